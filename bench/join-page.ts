// GET /family throughput and p99 against a bare Express handler returning a fixed string, measured
// in the same run. Each server runs in its own process; autocannon runs here.
// Usage: npx tsx bench/join-page.ts [seconds] [connections]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 20);
const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');

function startServer(kind: 'ours' | 'bare' | 'bare-page', pageFile?: string): Promise<{ child: ChildProcess; url: string; db?: string }> {
  return new Promise((resolve, reject) => {
    // Request logs go to a pipe we drain, as they would go to a log collector.
    const args = [path.join(__dirname, 'join-page-server.ts'), kind, ...(pageFile ? [pageFile] : [])];
    const child = spawn(tsx, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const match = /READY (\S+)(?: (\S+))?/.exec(buffer);
      if (match) {
        buffer = '';
        resolve({ child, url: match[1]!, db: match[2] });
      } else if (buffer.length > 1e6) buffer = buffer.slice(-1000);
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

async function load(url: string, duration: number) {
  const result = await autocannon({ url, connections, duration });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function main() {
  const bare = await startServer('bare');
  const ours = await startServer('ours');
  const pageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-page-')), 'family.html');
  fs.writeFileSync(pageFile, Buffer.from(await (await fetch(ours.url)).arrayBuffer()));
  const samePage = await startServer('bare-page', pageFile);
  try {
    await load(bare.url, 2);
    await load(ours.url, 2);
    // Alternate the two so that machine noise hits both alike.
    const bareRuns = [];
    const ourRuns = [];
    const pageRuns = [];
    for (let i = 0; i < 2; i++) {
      bareRuns.push(await load(bare.url, seconds / 2));
      ourRuns.push(await load(ours.url, seconds / 2));
      pageRuns.push(await load(samePage.url, seconds / 2));
    }
    const avg = (xs: { rps: number }[]) => xs.reduce((s, x) => s + x.rps, 0) / xs.length;
    const oursRps = avg(ourRuns);
    const bareRps = avg(bareRuns);
    const p99 = Math.max(...ourRuns.map((r) => r.p99));
    const bareP99 = Math.max(...bareRuns.map((r) => r.p99));
    console.log(
      `join-page: ours ${oursRps.toFixed(0)} req/s (p99 ${p99} ms), baseline bare Express ${bareRps.toFixed(0)} req/s (p99 ${bareP99} ms), ratio ${(oursRps / bareRps).toFixed(2)} (target >= 0.8)`,
    );
    console.log(
      `  for scale: bare Express sending the same ${fs.statSync(pageFile).size}-byte page: ${avg(pageRuns).toFixed(0)} req/s (ours / that = ${(oursRps / avg(pageRuns)).toFixed(2)})`,
    );
    console.log(`  ${connections} connections, ${seconds}s each, database ${ours.db}, Node ${process.version}, ${os.cpus().length} cores`);
  } finally {
    bare.child.kill('SIGTERM');
    ours.child.kill('SIGTERM');
    samePage.child.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
