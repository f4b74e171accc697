import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalRedis {
  url: string;
  port: number;
  /** The server's current process id (it changes when the server is restarted after dying). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

export class RedisMissingError extends Error {
  constructor() {
    super(
      'REDIS_URL is not set and no `redis-server` binary was found on PATH.\n' +
        '  Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`)\n' +
        '  or set REDIS_URL to a running Redis, e.g. REDIS_URL=redis://127.0.0.1:6379',
    );
  }
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function hasRedisBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

function spawnRedis(port: number, dir: string): ChildProcess {
  return spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      path.resolve(dir),
      '--maxmemory-policy',
      'noeviction',
      '--appendonly',
      'yes',
      '--save',
      '',
      '--protected-mode',
      'yes',
      '--logfile',
      '',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

const MAX_RESTART_DELAY_MS = 10_000;

/**
 * Starts a private redis-server for the embedded default: loopback only, a free port (or the one
 * given), `noeviction` as BullMQ requires, and an append-only file under dir so queued jobs survive
 * a restart. If it dies, it is started again on the same port (backoff from 250 ms to 10 s), so the
 * app's connections come back by themselves. Stopped with the app.
 */
export async function startLocalRedis(opts: {
  dir: string;
  port?: number;
  onRestart?: (info: { exitCode: number | null; attempt: number; delayMs: number }) => void;
}): Promise<LocalRedis> {
  if (!hasRedisBinary()) throw new RedisMissingError();
  fs.mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  let stopping = false;
  let attempt = 0;
  let child = spawnRedis(port, opts.dir);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const supervise = (current: ChildProcess) => {
    current.once('exit', (exitCode) => {
      if (stopping) return;
      attempt += 1;
      const delayMs = Math.min(250 * 2 ** (attempt - 1), MAX_RESTART_DELAY_MS);
      opts.onRestart?.({ exitCode, attempt, delayMs });
      setTimeout(() => {
        if (stopping) return;
        child = spawnRedis(port, opts.dir);
        supervise(child);
        // A restart that stays up resets the backoff.
        waitForPort(port, child, 10_000).then(
          () => (attempt = 0),
          () => undefined,
        );
      }, delayMs).unref();
    });
  };

  try {
    await waitForPort(port, child, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  supervise(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child.pid,
    async stop() {
      stopping = true;
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
