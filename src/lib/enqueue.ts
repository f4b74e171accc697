import type { Tx } from '../db/client';
import { writeOutbox } from './outbox';
import { parsePayload, type JobName, type JobPayload } from './job-contracts';

/** Writes a typed job to the outbox in the caller's transaction (validated against its contract). */
export async function enqueueJob<N extends JobName>(tx: Tx, name: N, payload: JobPayload<N>): Promise<number> {
  return writeOutbox(tx, name, parsePayload(name, payload));
}
