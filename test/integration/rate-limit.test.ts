import { createLimit } from '../../src/lib/rate-limit';
import { startLocalRedis, type LocalRedis } from '../../src/lib/local-redis';
import { connectRedis } from '../../src/lib/queue';
import { tempDir, uniqueName } from '../helpers/services';

// The contract the app relies on from rate-limiter-flexible (pinned): hits counted atomically before
// the decision, and what each limit does when Redis does not answer. A private redis-server, since the
// test pauses it.
describe('rate limits on Redis', () => {
  let server: LocalRedis;
  let app: ReturnType<typeof connectRedis>;
  let admin: ReturnType<typeof connectRedis>;

  beforeAll(async () => {
    server = await startLocalRedis({ dir: tempDir('wf-rate-limit-') });
    app = connectRedis(server.url);
    admin = connectRedis(server.url);
    await Promise.all([app.ping(), admin.ping()]);
  });
  afterAll(async () => {
    app.disconnect();
    admin.disconnect();
    await server.stop();
  });

  const limitOf = (whenRedisDown: 'closed' | 'memory', points = 5) => createLimit(app, uniqueName('rl'), { name: 'test', points, windowSeconds: 60, whenRedisDown });

  test('when twenty hits for one key arrive at once, then exactly the limit is allowed and the rest wait for the window', async () => {
    const limit = limitOf('closed');
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => limit.hit('someone@example.jp')));
    expect(verdicts.filter((v) => v.outcome === 'allowed')).toHaveLength(5);
    const limited = verdicts.filter((v) => v.outcome === 'limited');
    expect(limited).toHaveLength(15);
    expect(limited.every((v) => v.outcome === 'limited' && v.retryAfterSeconds > 0 && v.retryAfterSeconds <= 60)).toBe(true);
    expect((await limit.hit('someone-else@example.jp')).outcome).toBe('allowed');
  });

  test('when a hit is given back, then one more is allowed', async () => {
    const limit = limitOf('closed', 2);
    await limit.hit('k');
    await limit.hit('k');
    expect((await limit.hit('k')).outcome).toBe('limited');
    const other = limitOf('closed', 2);
    await other.hit('k');
    await other.hit('k');
    await other.refund('k');
    expect((await other.hit('k')).outcome).toBe('allowed');
  });

  test('when the stored keys are read, then they hold no email address', async () => {
    const prefix = uniqueName('rl');
    await createLimit(app, prefix, { name: 'address', points: 5, windowSeconds: 60, whenRedisDown: 'closed' }).hit('private@example.jp');
    const keys = await admin.keys(`${prefix}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('private');
  });

  test('when Redis is connected but does not answer, then a closed limit refuses as unavailable and a memory limit counts in memory', async () => {
    const closed = limitOf('closed');
    const memory = limitOf('memory', 2);
    await admin.call('CLIENT', 'PAUSE', '5000', 'ALL');
    try {
      expect(app.status).toBe('ready');
      const refused = await closed.hit('k');
      expect(refused.outcome).toBe('unavailable');
      expect(refused.outcome === 'unavailable' && refused.retryAfterSeconds).toBeGreaterThan(0);
      const counted = await Promise.all([memory.hit('k'), memory.hit('k'), memory.hit('k')]);
      expect(counted.map((v) => v.outcome).sort()).toEqual(['allowed', 'allowed', 'limited']);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    }
  });
});
