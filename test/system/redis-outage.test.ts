import fs from 'node:fs';
import { freePort, startLocalRedis, type LocalRedis } from '../../src/lib/local-redis';
import { tempDir } from '../helpers/services';
import { setting, withCluster } from './cluster';
import { backlogOf, checkGiving, halfStored, inPoolUntil, joinAndPay, outcomesOf, sleep, waitUntilSettled, type JoinOutcome } from './traffic';

const OUTAGE_SECONDS = setting('SYSTEM_OUTAGE_SECONDS', 30);
const CONCURRENCY = setting('SYSTEM_OUTAGE_CONCURRENCY', 4);
// Joins go on for this long before the outage and after Redis is back.
const AROUND_SECONDS = 5;

type Phase = 'before' | 'during' | 'after';

describe('system: Redis stopped during joins and webhooks', () => {
  test(
    `when Redis is stopped for ${OUTAGE_SECONDS} s while people join and pay and webhooks arrive, then every join still works and, once Redis is back, every gift and email goes out exactly once`,
    async () => {
      // A private redis-server (append-only file, the same port and folder after the restart): the shared one cannot be stopped.
      const dir = tempDir('wf-system-redis-');
      const port = await freePort();
      let redis: LocalRedis = await startLocalRedis({ dir, port });
      try {
        await withCluster('redis-outage', { redisUrl: redis.url }, async (cluster, figures) => {
          const joins: (JoinOutcome & { phase: Phase })[] = [];
          let phase: Phase | 'done' = 'before';
          const joining = inPoolUntil(
            () => phase === 'done',
            CONCURRENCY,
            async () => {
              const during = phase as Phase;
              joins.push({ ...(await joinAndPay(cluster)), phase: during });
            },
          );

          await sleep(AROUND_SECONDS * 1000);
          await redis.stop();
          const stoppedAt = Date.now();
          phase = 'during';
          await sleep(OUTAGE_SECONDS * 1000);
          const backlogAtReturn = await backlogOf(cluster);
          redis = await startLocalRedis({ dir, port });
          const returnedAt = Date.now();
          phase = 'after';
          await sleep(AROUND_SECONDS * 1000);
          phase = 'done';
          await joining;

          const paid = joins.filter((j) => j.stage === 'paid').map((j) => j.email);
          const byPhase = (p: Phase) => outcomesOf(joins.filter((j) => j.phase === p));
          Object.assign(figures, {
            outageSeconds: (returnedAt - stoppedAt) / 1000,
            joinsAttempted: joins.length,
            joinsPaid: paid.length,
            joinsBefore: byPhase('before'),
            joinsDuring: byPhase('during'),
            joinsAfter: byPhase('after'),
            backlogWhenRedisReturned: backlogAtReturn,
          });
          await waitUntilSettled(cluster, paid.length, 15 * 60_000);
          figures.drainSecondsAfterRedisReturned = (Date.now() - returnedAt) / 1000;
          const check = await checkGiving(cluster, paid);
          const partial = await halfStored(cluster);
          Object.assign(figures, check.figures, { halfStored: partial, problems: check.problems.length });

          expect(joins.filter((j) => j.stage !== 'paid').map((j) => `${j.phase} ${j.stage} ${j.status ?? j.error}`)).toEqual([]);
          expect(joins.some((j) => j.phase === 'during')).toBe(true);
          expect(check.problems).toEqual([]);
          expect(Object.values(partial).every((n) => n === 0)).toBe(true);
          expect(cluster.unexpectedExits()).toEqual([]);
        });
      } finally {
        await redis.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    60 * 60_000,
  );
});
