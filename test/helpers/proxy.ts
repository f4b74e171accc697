import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  url: string;
  /** Requests answered by the proxy itself with 502 because no upstream took them. */
  failures: () => number;
  /** How many requests each upstream answered. */
  served: () => number[];
  stop(): Promise<void>;
}

export interface TestProxyOptions {
  /** Upstream base URLs, taken in turn (round robin); a refused connection moves to the next one. */
  upstreams: string[];
  /** The address the proxy connects from (a loopback address other than 127.0.0.1 stands for a proxy host). */
  localAddress?: string;
  /** The scheme the proxy tells the app the client used (X-Forwarded-Proto). */
  forwardedProto?: 'http' | 'https';
  /** Reuse connections to the upstreams (nginx's `keepalive` in an upstream block); default: one per request. */
  keepAlive?: boolean;
}

// The client address the proxy reports (X-Forwarded-For) is taken from this request header, so a test
// can stand for many clients; without it the proxy reports the socket's address, as a real one does.
export const CLIENT_IP_HEADER = 'x-test-client-ip';

/**
 * A small reverse proxy like the TLS proxy in front of production: round robin over the upstreams,
 * X-Forwarded-For/-Proto/-Host added, a connection refused by one upstream retried on the next (as
 * nginx's proxy_next_upstream does), so a rolling restart loses no request.
 */
export async function startTestProxy(opts: TestProxyOptions): Promise<TestProxy> {
  let next = 0;
  let failed = 0;
  const served = opts.upstreams.map(() => 0);
  const agent = opts.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 32 }) : false;

  // `after`: the upstream that just failed this request; the retry goes to the one after it in the list.
  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, tries: number, after?: number) => {
    const index = after === undefined ? next++ % opts.upstreams.length : (after + 1) % opts.upstreams.length;
    const upstream = new URL(opts.upstreams[index]!);
    const headers = { ...req.headers };
    delete headers[CLIENT_IP_HEADER];
    headers['x-forwarded-for'] = String(req.headers[CLIENT_IP_HEADER] ?? req.socket.remoteAddress ?? '');
    headers['x-forwarded-proto'] = opts.forwardedProto ?? 'http';
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers.connection = opts.keepAlive ? 'keep-alive' : 'close';
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, localAddress: opts.localAddress, agent },
      (upstreamRes) => {
        served[index]!++;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    out.on('error', (err: NodeJS.ErrnoException) => {
      // No answer yet (refused, or a reused connection closed under the request): another upstream may take it.
      if (!res.headersSent && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(err.code ?? '') && tries < opts.upstreams.length * 3) {
        setTimeout(() => forward(req, body, res, tries + 1, index), tries < opts.upstreams.length ? 0 : 100);
        return;
      }
      failed++;
      if (!res.headersSent) res.writeHead(502).end(`proxy: ${err.message}`);
      else res.destroy();
    });
    out.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, 0));
  });
  // Idle client connections are left for the client to close: a server-side idle timeout races with a
  // client reusing the connection at that moment, and the request fails without reaching any upstream.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failures: () => failed,
    served: () => [...served],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        if (agent) agent.destroy();
      }),
  };
}
