import net from 'node:net';

export interface CuttableProxy {
  port: number;
  /** Drops every open connection and refuses new ones (the service "goes away"). */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  stop(): Promise<void>;
}

/** A TCP relay on loopback to host:port that a test can cut and restore, standing for a network outage. */
export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  let isCut = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (isCut) return client.destroy();
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      isCut = true;
      for (const s of open) s.destroy();
    },
    restore() {
      isCut = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
