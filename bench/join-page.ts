// GET /family throughput and p99 against a bare Express handler returning a fixed string, measured
// in the same run on the same machine. Usage: npx tsx bench/join-page.ts [seconds] [connections]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { loadConfig } from '../config';
import { createContext } from '../src/context';
import { startWeb } from '../src/server';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 20);

async function load(url: string, duration: number) {
  const result = await autocannon({ url, connections, duration, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function main() {
  // Baseline: bare Express, fixed string.
  const bare = express();
  bare.get('/', (_req, res) => res.send('WELgee Family'));
  const bareServer = http.createServer(bare).listen(0, '127.0.0.1');
  await new Promise((r) => bareServer.once('listening', r));
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/`;

  // Ours: the whole app (helmet, CSRF, session, locale, Handlebars, settings, live count).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-'));
  const ctx = await createContext(
    loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL, LOG_LEVEL: 'warn', QUEUE_PREFIX: `bench${Date.now()}` }),
  );
  const web = await startWeb(ctx, 0);
  const oursUrl = `${web.url}/family`;

  await load(bareUrl, 2);
  await load(oursUrl, 2);
  // Alternate the two so that machine noise hits both alike.
  const bareRuns = [];
  const ourRuns = [];
  for (let i = 0; i < 2; i++) {
    bareRuns.push(await load(bareUrl, seconds / 2));
    ourRuns.push(await load(oursUrl, seconds / 2));
  }
  const avg = (xs: { rps: number }[]) => xs.reduce((s, x) => s + x.rps, 0) / xs.length;
  const ours = avg(ourRuns);
  const baseline = avg(bareRuns);
  const p99 = Math.max(...ourRuns.map((r) => r.p99));
  console.log(`join-page: ours ${ours.toFixed(0)} req/s (p99 ${p99} ms), baseline bare Express ${baseline.toFixed(0)} req/s, ratio ${(ours / baseline).toFixed(2)} (target >= 0.8)`);
  console.log(`  ${connections} connections, ${seconds}s each, database ${ctx.database.kind}, Node ${process.version}, ${os.cpus().length} cores`);

  await web.close();
  await ctx.close();
  bareServer.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
