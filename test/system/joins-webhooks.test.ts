import { setting, withCluster } from './cluster';
import { checkGiving, inPool, joinAndPay, outcomesOf, percentile, shuffle, waitUntilSettled, type JoinOutcome } from './traffic';

const JOINS = setting('SYSTEM_JOINS', 300);
const CONCURRENCY = setting('SYSTEM_CONCURRENCY', 8);
const SEED = setting('SYSTEM_SEED', Date.now() % 1_000_000);

describe('system: joins and webhooks over two web and two worker processes', () => {
  test(
    `when ${JOINS} people join through the proxy and every webhook reaches both webs 2–3 times in shuffled order, then each gift, receipt number and email exists exactly once`,
    () =>
      withCluster('joins-webhooks', { stripe: { autoDeliver: false } }, async (cluster, figures) => {
        const started = Date.now();
        const joins: JoinOutcome[] = [];
        await inPool(JOINS, CONCURRENCY, async () => {
          joins.push(await joinAndPay(cluster, ['1000', '5000', '10000'][joins.length % 3]));
        });
        const paid = joins.filter((j) => j.stage === 'paid').map((j) => j.email);
        Object.assign(figures, {
          joinsAttempted: joins.length,
          joinsPaid: paid.length,
          joinOutcomes: outcomesOf(joins),
          joinSeconds: (Date.now() - started) / 1000,
          joinP50Ms: percentile(
            joins.map((j) => j.ms),
            50,
          ),
          joinP95Ms: percentile(
            joins.map((j) => j.ms),
            95,
          ),
          requestsPerWeb: cluster.proxy.served(),
          proxyFailures: cluster.proxy.failures(),
          seed: SEED,
        });

        // Each event to each web's endpoint 2 or 3 times, all in one shuffled order, 8 at a time; then
        // any event the processing itself caused, until none is new. Nothing is delivered automatically.
        const endpoints = cluster.webUrls.map((u) => `${u}/webhooks/stripe`);
        const delivered = new Set<string>();
        const statuses: Record<string, number> = {};
        let posts = 0;
        let deliverMs = 0;
        const deliveryStarted = Date.now();
        for (let round = 0; round < 5; round++) {
          const fresh = cluster.stripe.events().filter((e) => !delivered.has(e.id) && !cluster.setupEventIds.has(e.id));
          if (fresh.length === 0) break;
          const roundStarted = Date.now();
          const plan = shuffle(
            fresh.flatMap((e, i) => endpoints.flatMap((url, k) => Array.from({ length: 2 + ((i + k + SEED) % 2) }, () => ({ id: e.id, url })))),
            SEED + round,
          );
          await inPool(plan.length, CONCURRENCY, async (i) => {
            const { id, url } = plan[i]!;
            const status = await cluster.stripe.deliverEvent(id, url);
            statuses[status] = (statuses[status] ?? 0) + 1;
            posts++;
          });
          deliverMs += Date.now() - roundStarted;
          fresh.forEach((e) => delivered.add(e.id));
          await waitUntilSettled(cluster, paid.length, 20 * 60_000);
        }
        Object.assign(figures, {
          webhookPosts: posts,
          webhookStatuses: statuses,
          deliverSeconds: deliverMs / 1000,
          deliverAndSettleSeconds: (Date.now() - deliveryStarted) / 1000,
        });

        const check = await checkGiving(cluster, paid);
        Object.assign(figures, check.figures, { problems: check.problems.length });

        expect(paid).toHaveLength(JOINS);
        expect(cluster.proxy.served().every((n) => n > 0)).toBe(true);
        expect(Object.keys(statuses)).toEqual(['200']);
        expect(check.problems).toEqual([]);
        expect(check.figures.gifts).toBe(JOINS);
        expect(cluster.unexpectedExits()).toEqual([]);
      }),
    60 * 60_000,
  );
});
