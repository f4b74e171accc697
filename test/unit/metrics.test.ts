import { metricsAccess } from '../../src/features/health/metrics.routes';
import { createMetrics } from '../../src/lib/metrics';
import { parseExposition, valueOf } from '../helpers/metrics';

const TOKEN = 'x'.repeat(12) + 'y'.repeat(12);
const request = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as Parameters<typeof metricsAccess>[0];

describe('metricsAccess', () => {
  test('when no token is set, then only direct loopback connections are allowed', () => {
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1'])
      expect({ address, access: metricsAccess(request(address), undefined) }).toEqual({ address, access: 'allowed' });
    for (const address of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '1270.0.0.1', undefined]) {
      expect({ address, access: metricsAccess(request(address), undefined) }).toEqual({ address, access: 'hidden' });
    }
  });

  test('when a loopback request carries a proxy header, then it is not local', () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via']) {
      expect({ header, access: metricsAccess(request('127.0.0.1', { [header]: '127.0.0.1' }), undefined) }).toEqual({ header, access: 'hidden' });
    }
  });

  test('when a token is set, then the bearer token is needed from everywhere, loopback included', () => {
    expect(metricsAccess(request('127.0.0.1'), TOKEN)).toBe('hidden');
    expect(metricsAccess(request('203.0.113.9', { authorization: `Bearer ${TOKEN}` }), TOKEN)).toBe('allowed');
    expect(metricsAccess(request('127.0.0.1', { authorization: `bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' }), TOKEN)).toBe('allowed');
    for (const authorization of [`Bearer ${TOKEN}z`, `Bearer ${TOKEN.slice(1)}`, 'Bearer', `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`, '']) {
      expect({ authorization, access: metricsAccess(request('127.0.0.1', { authorization }), TOKEN) }).toEqual({ authorization, access: 'unauthorized' });
    }
  });

  test('when a bearer token is sent but none is set, then it is refused, even from loopback', () => {
    expect(metricsAccess(request('127.0.0.1', { authorization: `Bearer ${TOKEN}` }), undefined)).toBe('unauthorized');
  });
});

describe('createMetrics', () => {
  test('when a metric is asked for twice, then it is the same one; another app context has its own', async () => {
    const first = createMetrics({ prefix: 'unit_' });
    const second = createMetrics({ prefix: 'unit_' });
    const spec = { name: 'things_total', help: 'things', labelNames: ['kind'] as const };
    first.counter(spec).inc({ kind: 'a' });
    first.counter(spec).inc({ kind: 'a' });
    second.counter(spec).inc({ kind: 'a' });
    expect(valueOf(parseExposition(await first.exposition()), 'unit_things_total', { kind: 'a' })).toBe(2);
    expect(valueOf(parseExposition(await second.exposition()), 'unit_things_total', { kind: 'a' })).toBe(1);
    expect(await first.exposition()).toContain('unit_process_cpu_user_seconds_total');
  });

  test('when a source read at scrape time never answers, then the scrape still answers and says the source is not ok', async () => {
    const metrics = createMetrics({ prefix: 'unit_' });
    const stuck = metrics.readAtScrape('stuck', () => new Promise<number>(() => undefined), 50);
    const fine = metrics.readAtScrape('fine', async () => 7, 50);
    metrics.gauge({
      name: 'stuck_value',
      help: 'never read',
      async collect(g) {
        g.set((await stuck()) ?? NaN);
      },
    });
    metrics.gauge({
      name: 'fine_value',
      help: 'read',
      async collect(g) {
        g.set((await fine()) ?? NaN);
      },
    });
    let reads = 0;
    const counted = metrics.readAtScrape('counted', async () => ++reads, 50);
    metrics.gauge({
      name: 'counted_a',
      help: 'a',
      async collect(g) {
        g.set((await counted()) ?? NaN);
      },
    });
    metrics.gauge({
      name: 'counted_b',
      help: 'b',
      async collect(g) {
        g.set((await counted()) ?? NaN);
      },
    });

    const samples = parseExposition(await metrics.exposition());
    expect(valueOf(samples, 'unit_scrape_source_ok', { source: 'stuck' })).toBe(0);
    expect(valueOf(samples, 'unit_scrape_source_ok', { source: 'fine' })).toBe(1);
    expect(valueOf(samples, 'unit_stuck_value')).toBeNaN();
    expect(valueOf(samples, 'unit_fine_value')).toBe(7);
    // One reading per scrape, shared by the gauges that report it.
    expect(reads).toBe(1);
    expect(valueOf(samples, 'unit_counted_a')).toBe(valueOf(samples, 'unit_counted_b'));
  });
});
