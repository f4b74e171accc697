// A server for bench/join-page.ts, in its own process so the load generator never shares its CPU:
// `ours` is the whole app serving /family, `bare` a bare Express handler returning a fixed string.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../config';
import { createContext } from '../src/context';
import { startWeb } from '../src/server';

async function main(kind: string) {
  if (kind === 'bare' || kind === 'bare-page') {
    // bare-page sends a stored copy of the rendered join page: same bytes, none of the app's work.
    const page = kind === 'bare-page' ? fs.readFileSync(process.argv[3]!) : undefined;
    const bare = express();
    bare.get('/', (_req, res) => (page ? res.type('html').send(page) : res.send('WELgee Family')));
    const server = http.createServer(bare).listen(0, '127.0.0.1', () => {
      process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
    });
    return;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-'));
  const ctx = await createContext(
    loadConfig({ ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', QUEUE_PREFIX: `bench${process.pid}` }),
  );
  const web = await startWeb(ctx, 0);
  process.stdout.write(`READY ${web.url}/family ${ctx.database.kind}\n`);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
void main(process.argv[2] ?? 'ours');
