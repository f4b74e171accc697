import net from 'node:net';

export interface CuttableLink {
  port: number;
  /** Connections open now (both sides). */
  open(): number;
  /** Resets every open connection and stops listening, so new ones are refused: the server is unreachable. */
  cut(): void;
  /** Listens again on the same port (nothing to do when it is not cut). */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP relay on loopback to host:port that a test can cut and restore (a database that goes away). */
export async function startCuttableLink(target: { host: string; port: number }): Promise<CuttableLink> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    open: () => sockets.size,
    cut() {
      server.close();
      for (const s of sockets) s.resetAndDestroy();
    },
    restore: async () => {
      if (!server.listening) await listen(port);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
