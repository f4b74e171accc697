import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls fn until it resolves, pausing 0.5 s, 1 s, 2 s, then 5 s between attempts, for up to `forMs`;
 * after that the last error is thrown. For a step that must not be skipped once an irreversible one
 * before it has happened (recording that a message left), when its failure is likely brief.
 */
export async function retryFor<T>(fn: () => Promise<T>, forMs: number): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const pause = Math.min(500 * 2 ** attempt, 5000);
      if (Date.now() + pause > deadline) throw err;
      await sleep(pause);
    }
  }
}
