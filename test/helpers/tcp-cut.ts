import net from 'node:net';

export interface CuttableLink {
  port: number;
  /** Connections open now. */
  open(): number;
  /** Resets every open connection and every new one until restore(): the server is unreachable. */
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

/** A TCP relay on loopback to host:port that the test can cut and restore (a database that goes away). */
export async function startCuttableLink(target: { host: string; port: number }): Promise<CuttableLink> {
  let isCut = false;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    if (isCut) return void client.resetAndDestroy();
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    cut() {
      isCut = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      isCut = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
