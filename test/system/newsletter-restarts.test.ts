import { and, eq, sql } from 'drizzle-orm';
import { newsletterDeliveries } from '../../src/db/schema';
import { startSending } from '../../src/features/newsletters';
import { SEND_CONCURRENCY } from '../../src/features/newsletters/send';
import { countByRecipient, createNewsletter, insertSupporters, waitForStatus, type TestSupporter } from '../helpers/newsletters';
import { setting, withCluster } from './cluster';
import { sleep, startLoad, unfinishedJobs, waitFor } from './traffic';

const RECIPIENTS = setting('SYSTEM_RECIPIENTS', 20_000);
const RATE = setting('SYSTEM_SEND_RATE', 500);
const LOAD_CONCURRENCY = setting('SYSTEM_LOAD_CONCURRENCY', 8);
const PAGES = ['/family', '/', '/family/news', '/give', '/healthz'];

describe('system: a newsletter send through a worker crash and a rolling restart of the webs', () => {
  test(
    `when ${RECIPIENTS} recipients are sent to, a worker is SIGKILLed mid-send and each web is SIGTERMed and restarted under load, then everyone gets the issue, only messages in flight arrive twice, no request fails and no job is left behind`,
    async () => {
      let people: TestSupporter[] = [];
      let newsletterId = '';
      await withCluster(
        'newsletter-restarts',
        {
          sinkPerWorker: true,
          async prepare(db, settings) {
            await settings.update('newsletter', { ...(await settings.get()).newsletter, messagesPerSecond: String(RATE) });
            people = await insertSupporters(db, { count: RECIPIENTS, tag: 'system' });
            newsletterId = await createNewsletter(db, { tag: 'system' });
          },
        },
        async (cluster, figures) => {
          const { db } = cluster;
          const rowsIn = async (status: 'sent' | 'sending') =>
            Number(
              (
                await db
                  .select({ n: sql<string>`count(*)::text` })
                  .from(newsletterDeliveries)
                  .where(and(eq(newsletterDeliveries.newsletterId, newsletterId), eq(newsletterDeliveries.status, status)))
              )[0]!.n,
            );
          const received = () => cluster.sinks.reduce((n, s) => n + s.messages.length, 0);

          const load = startLoad(cluster.proxy.url, PAGES, LOAD_CONCURRENCY);
          const sendStarted = Date.now();
          expect(await db.transaction((tx) => startSending(tx, newsletterId, null))).toEqual({ started: true, recipients: RECIPIENTS });

          // The worker whose sink got messages in the last second is the one sending: that one is killed.
          await waitFor(
            async () => {
              cluster.checkAlive();
              return received() >= RECIPIENTS / 3;
            },
            30 * 60_000,
            50,
          );
          let recent: number[] = [];
          await waitFor(
            async () => {
              recent = cluster.sinks.map((s) => s.messages.filter((m) => m.receivedAt.getTime() > Date.now() - 500).length);
              return recent.some((n) => n > 0);
            },
            5 * 60_000,
            20,
          );
          const victim = recent.indexOf(Math.max(...recent));
          const killedExit = await cluster.stopWorker(victim, 'SIGKILL');
          await sleep(300);
          const markedSentAtKill = await rowsIn('sent');
          const claimedAtKill = await rowsIn('sending');
          const receivedAtKill = received();
          await cluster.startWorker(victim);
          Object.assign(figures, {
            recipients: RECIPIENTS,
            sendRateSetting: RATE,
            killedWorker: victim,
            killedWorkerExit: killedExit,
            markedSentAtKill,
            claimedAtKill,
            receivedAtKill,
            inFlightAtKill: receivedAtKill - markedSentAtKill,
          });

          // Rolling restart: one web at a time, while the load goes on.
          const restarts = [];
          for (let i = 0; i < cluster.webUrls.length; i++) restarts.push(await cluster.restartWeb(i));
          await sleep(3000);
          const loadFigures = await load.stop();
          Object.assign(figures, {
            webRestarts: restarts,
            loadRequests: loadFigures.requests,
            loadFailed: loadFigures.failed,
            loadStatuses: loadFigures.statuses,
            loadP50Ms: loadFigures.p50Ms,
            loadP99Ms: loadFigures.p99Ms,
            loadMaxMs: loadFigures.maxMs,
            loadFailures: loadFigures.failures,
            proxyFailures: cluster.proxy.failures(),
            requestsPerWeb: cluster.proxy.served(),
          });

          await waitForStatus(db, newsletterId, 'sent', 30 * 60_000);
          const sendSeconds = (Date.now() - sendStarted) / 1000;
          let unfinished = -1;
          await waitFor(async () => (unfinished = await unfinishedJobs(cluster)) === 0, 5 * 60_000, 1000).catch(() => undefined);
          const jobCounts = await cluster.jobCounts();

          const counts = countByRecipient(cluster.messages());
          const missing = people.filter((p) => !counts.get(p.email));
          const duplicates = people.reduce((sum, p) => sum + Math.max(0, (counts.get(p.email) ?? 0) - 1), 0);
          const sentRows = await rowsIn('sent');
          const failedJobs = Object.values(jobCounts).reduce((s, c) => s + (c.failed ?? 0), 0);

          Object.assign(figures, {
            sendSeconds,
            messagesReceived: cluster.messages().length,
            perWorkerSink: cluster.sinks.map((s) => s.messages.length),
            duplicates,
            missing: missing.length,
            deliveriesSent: sentRows,
            unfinishedJobs: unfinished,
            jobCounts,
          });

          expect(missing.map((p) => p.email)).toEqual([]);
          expect(sentRows).toBe(RECIPIENTS);
          // Only a message accepted by SMTP whose row the killed worker had not marked yet can arrive twice.
          expect(duplicates).toBeLessThanOrEqual(Math.min(receivedAtKill - markedSentAtKill, SEND_CONCURRENCY));
          expect(loadFigures.failed).toBe(0);
          expect(cluster.proxy.failures()).toBe(0);
          expect(restarts.map((r) => r.exitCode)).toEqual(cluster.webUrls.map(() => 0));
          expect(unfinished).toBe(0);
          expect(failedJobs).toBe(0);
          expect(cluster.unexpectedExits()).toEqual([]);
        },
      );
    },
    90 * 60_000,
  );
});
