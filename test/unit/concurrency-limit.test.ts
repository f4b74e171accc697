import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { concurrencyLimit } from '../../src/web/concurrency-limit';

// A real Express server on loopback whose handler waits until the test lets it finish, so the test
// sees exactly how many requests are inside at once.

interface Harness {
  url: string;
  inside: () => number;
  most: () => number;
  finishAll: () => void;
  refused: () => number;
  limit: ReturnType<typeof concurrencyLimit>;
  close: () => Promise<void>;
}

async function startServer(active: number, waiting: number): Promise<Harness> {
  let inside = 0;
  let most = 0;
  let refused = 0;
  const waitingToFinish: Array<() => void> = [];
  const limit = concurrencyLimit({ active, waiting, retryAfterSeconds: 30, onRefused: () => refused++ });
  const app = express();
  app.post('/hook', limit, express.raw({ type: () => true }), async (_req, res) => {
    inside++;
    most = Math.max(most, inside);
    await new Promise<void>((resolve) => waitingToFinish.push(resolve));
    inside--;
    res.json({ ok: true });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    inside: () => inside,
    most: () => most,
    refused: () => refused,
    finishAll: () => waitingToFinish.splice(0).forEach((f) => f()),
    limit,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(condition: () => boolean) {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('concurrency limit', () => {
  let h: Harness;
  afterEach(() => h?.close());

  test('when more requests arrive than may run, then only the limit runs, the line waits its turn, and the rest get 503 with Retry-After', async () => {
    h = await startServer(2, 3);
    const answers = Array.from({ length: 8 }, () => fetch(h.url, { method: 'POST', body: 'x' }));
    await until(() => h.inside() === 2 && h.limit.state().waiting === 3 && h.refused() === 3);
    // The three refused were answered at once, while the others are still held.
    const settled = await Promise.all(answers.map((a) => Promise.race([a.then((r) => r), new Promise<null>((r) => setTimeout(() => r(null), 50))])));
    const early = settled.filter((r): r is Response => r !== null);
    expect(early).toHaveLength(3);
    for (const r of early) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('30');
    }
    // Let the running ones finish, again and again: the waiting ones come in, never more than two at once.
    while (h.limit.state().active + h.limit.state().waiting > 0) {
      h.finishAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    const statuses = (await Promise.all(answers)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503, 503, 503]);
    expect(h.most()).toBe(2);
    expect(h.limit.state()).toEqual({ active: 0, waiting: 0 });
  });

  test('when a waiting client gives up, then it leaves the line and its place is not counted', async () => {
    h = await startServer(1, 1);
    const first = fetch(h.url, { method: 'POST', body: 'x' });
    await until(() => h.inside() === 1);
    const abort = new AbortController();
    const quitter = fetch(h.url, { method: 'POST', body: 'x', signal: abort.signal }).catch((err: Error) => err);
    await until(() => h.limit.state().waiting === 1);
    abort.abort();
    expect(await quitter).toMatchObject({ name: 'AbortError' });
    await until(() => h.limit.state().waiting === 0);
    // The line is free again: a new request waits instead of being refused, and runs once the first ends.
    const third = fetch(h.url, { method: 'POST', body: 'x' });
    await until(() => h.limit.state().waiting === 1);
    h.finishAll();
    expect((await first).status).toBe(200);
    await until(() => h.inside() === 1);
    h.finishAll();
    expect((await third).status).toBe(200);
    expect(h.refused()).toBe(0);
    expect(h.limit.state()).toEqual({ active: 0, waiting: 0 });
  });

  test('when a running client disconnects before the answer, then its slot is given back once', async () => {
    h = await startServer(1, 5);
    const abort = new AbortController();
    const gone = fetch(h.url, { method: 'POST', body: 'x', signal: abort.signal }).catch((err: Error) => err);
    await until(() => h.inside() === 1);
    const next = fetch(h.url, { method: 'POST', body: 'x' });
    await until(() => h.limit.state().waiting === 1);
    abort.abort();
    await gone;
    // The aborted request's slot passes to the waiting one while the aborted handler still runs.
    await until(() => h.inside() === 2);
    h.finishAll();
    expect((await next).status).toBe(200);
    await until(() => h.limit.state().active === 0);
    expect(h.limit.state()).toEqual({ active: 0, waiting: 0 });
  });
});
