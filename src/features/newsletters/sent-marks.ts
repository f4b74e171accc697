import type { Db } from '../../db/client';
import { markDeliveriesSent } from './deliveries.repo';

export interface SentMarks {
  /** Records the row as sent; resolves once the update holding it has committed. */
  mark(id: number): Promise<void>;
}

/**
 * Marks sent rows in groups (group commit): a lane whose message was accepted hands its row over and
 * waits until it is recorded. Rows handed over while an update runs go into the next one, so under load
 * the database sees one update per group, yet no lane moves on before its own row is marked: messages
 * accepted but not yet recorded are never more than the lanes, the same bound as one update per row.
 */
export function createSentMarks(db: Db): SentMarks {
  let waiting: number[] = [];
  let next: Promise<void> | undefined;
  let previous: Promise<unknown> = Promise.resolve();
  return {
    mark(id) {
      waiting.push(id);
      if (!next) {
        next = previous.then(async () => {
          const ids = waiting;
          waiting = [];
          next = undefined;
          await markDeliveriesSent(db, ids);
        });
        previous = next.catch(() => undefined);
      }
      return next;
    },
  };
}
