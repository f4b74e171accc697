import { roles } from '../../src/features/staff';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { formsOf, type FoundForm } from '../helpers/forms';
import { inPool, probesFor, type Probe, type Target } from '../helpers/fuzz';
import { joinAndPay } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { halfStoredRows } from '../helpers/invariants';
import { signInSupporter } from '../helpers/me';
import { createNewsletter } from '../helpers/newsletters';
import { appRoutes, type RouteEntry } from '../helpers/routes';
import { adminToken, signInAs } from '../helpers/staff';

// Every route of the app's router (plus the queue dashboard's own API, mounted as one middleware),
// called by every kind of caller with a sample of test/fixtures/bad-values.ts in each field, valid
// CSRF tokens included so the values reach the handlers. Nothing may answer 5xx, the process must
// still answer /healthz, and no half-written rows may be left.
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const SEED = 'surface-fuzz-1';
const CONCURRENCY = 4;

// Routes that end the caller's session or ask to erase their data: called last, after the rest.
const sentOf = (probe: Probe) => (typeof probe.body === 'string' ? probe.body.slice(0, 300) : probe.body ? 'multipart' : '');

const isEnding = (r: RouteEntry) => /\/(logout|signout-all)$/.test(r.path) || r.path === '/me/delete';

const dashboardRoutes: RouteEntry[] = [
  { method: 'get', path: '/admin/jobs/board' },
  { method: 'get', path: '/admin/jobs/board/queue/:queueName' },
  { method: 'get', path: '/admin/jobs/board/api/queues' },
  { method: 'get', path: '/admin/jobs/board/api/queues/:queueName/:jobId' },
  { method: 'put', path: '/admin/jobs/board/api/queues/:queueName/pause' },
  { method: 'put', path: '/admin/jobs/board/api/queues/:queueName/:jobId/retry' },
];

interface Caller {
  name: string;
  visitor: Visitor;
  token: string;
  /** A client address of its own (the test app trusts loopback proxies), so rate limits stay per caller. */
  address: string;
  /** Bad values per form field: staff and finance run the same handlers as admin, so they get fewer. */
  valuesPerField: number;
}

interface Failure {
  caller: string;
  probe: string;
  /** The start of the body sent, to replay the request. */
  sent: string;
  status: number | string;
  body: string;
}

describe('surface fuzz: every route, every caller, bad values in every field', () => {
  let app: TestApp;
  let ids: Record<string, string>;
  const callers: Caller[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    const joined = await joinAndPay(app, { plan: '1000', newsletter: 'on' });
    const newsletterId = await createNewsletter(app.ctx.db, { subjectJa: '試験号', bodyJa: '本文' });
    ids = { supporter: joined.supporter.id, gift: joined.gifts[0]!.id, newsletter: newsletterId };
    let n = 1;
    for (const role of roles) {
      const { visitor } = await signInAs(app, role);
      callers.push({ name: role, visitor, token: await adminToken(visitor), address: `198.51.100.${n++}`, valuesPerField: role === 'admin' ? 2 : 1 });
    }
    const supporter = await signInSupporter(app, joined.fields.email!);
    callers.push({ name: 'supporter', visitor: supporter, token: await supporter.csrf('/me'), address: `198.51.100.${n++}`, valuesPerField: 2 });
    const anonymous = Visitor.of(app);
    callers.push({ name: 'anonymous', visitor: anonymous, token: await anonymous.csrf('/family'), address: `198.51.100.${n}`, valuesPerField: 2 });
  }, 120_000);
  afterAll(() => app.stop());

  /** The route's path with existing ids where the fuzzer has one (so bad fields reach deep), else unknown ones. */
  function concrete(path: string): string {
    return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      if (name === 'year') return '2026';
      if (name === 'queueName') return 'email';
      if (name === 'token') return 'x'.repeat(43);
      if (name !== 'id') return UNKNOWN_ID;
      if (path.startsWith('/admin/supporters/')) return ids.supporter!;
      if (path.startsWith('/admin/gifts/') || path.startsWith('/me/gifts/')) return ids.gift!;
      if (path.startsWith('/admin/newsletters/') || path.startsWith('/family/news/')) return ids.newsletter!;
      return UNKNOWN_ID;
    });
  }

  const matcher = (pattern: string) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+')}$`);

  const csrfCookie = (caller: Caller, path: string) =>
    caller.visitor
      .cookieHeader(path)
      .split('; ')
      .filter((c) => c.startsWith('wf_csrf='))
      .join('; ');

  async function send(caller: Caller, probe: Probe): Promise<{ status: number; location: string | null; text: string }> {
    const path = probe.url.split('?')[0]!;
    const headers: Record<string, string> = { cookie: caller.visitor.cookieHeader(path), accept: 'text/html', 'x-forwarded-for': caller.address, ...probe.headers };
    // A probe's own cookie header keeps the caller's CSRF cookie, so its token still matches.
    if (probe.headers?.cookie) headers.cookie = `${csrfCookie(caller, path)}; ${probe.headers.cookie}`;
    if (probe.contentType) headers['content-type'] = probe.contentType;
    const res = await fetch(app.url + probe.url, { method: probe.method, headers, body: probe.body, redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  /** GETs every page the caller may see, reads its forms, and tells which routes open for the caller. */
  async function targetsOf(caller: Caller, routes: RouteEntry[]): Promise<{ targets: Target[]; requests: number }> {
    const forms = new Map<string, FoundForm>();
    const reachable = new Map<RouteEntry, boolean>();
    let requests = 0;
    const denied = (r: { status: number; location: string | null }) =>
      r.status === 401 || r.status === 403 || (r.status === 302 && /^\/(admin\/login|me)(\?|$)/.test(r.location ?? ''));
    for (const route of routes) {
      const path = concrete(route.path);
      if (route.method === 'get') {
        const res = await send(caller, { label: 'page', method: 'GET', url: path });
        requests += 1;
        reachable.set(route, !denied(res));
        if (res.status === 200) for (const form of formsOf(res.text, path)) if (!forms.has(`${form.method} ${form.action}`)) forms.set(`${form.method} ${form.action}`, form);
      } else if (isEnding(route)) {
        reachable.set(route, true);
      } else {
        const res = await send(caller, {
          label: 'token only',
          method: route.method.toUpperCase(),
          url: path,
          body: `_csrf=${encodeURIComponent(caller.token)}`,
          contentType: 'application/x-www-form-urlencoded',
          headers: { 'x-csrf-token': caller.token },
        });
        requests += 1;
        reachable.set(route, !denied(res));
      }
    }
    const targets = routes.map((route): Target => {
      const path = concrete(route.path);
      const re = matcher(route.path);
      const form = [...forms.values()].find((f) => f.method === (route.method === 'get' ? 'get' : 'post') && re.test(f.action));
      return { route, path, form: form && { ...form, action: path }, isReachable: reachable.get(route) ?? true };
    });
    return { targets, requests };
  }

  test('when every caller sends the corpus to every route, then nothing answers 5xx, the process stays up and nothing is half-stored', async () => {
    const started = Date.now();
    const routes = [...appRoutes(app.ctx), ...dashboardRoutes];
    expect(routes.length).toBeGreaterThan(100);
    const failures: Failure[] = [];
    const statuses = new Map<number | string, number>();
    const timings: [number, string][] = [];
    let requests = 0;

    // FUZZ_CALLERS=admin,anonymous narrows a run while looking into a failure; FUZZ_DEBUG=1 lists the slowest requests.
    const only = process.env.FUZZ_CALLERS?.split(',');
    const chosen = callers.filter((c) => !only || only.includes(c.name));
    for (const caller of chosen) {
      const { targets, requests: discovery } = await targetsOf(caller, routes);
      requests += discovery;
      const probesOf = (list: Target[]) => list.flatMap((t) => probesFor(t, caller.token, `${SEED} ${caller.name}`, caller.valuesPerField));
      for (const group of [probesOf(targets.filter((t) => !isEnding(t.route))), probesOf(targets.filter((t) => isEnding(t.route)))]) {
        await inPool(group, CONCURRENCY, async (probe) => {
          requests += 1;
          const what = `${probe.method} ${probe.url.slice(0, 160)} (${probe.label})`;
          const t0 = Date.now();
          const status = await send(caller, probe).then(
            (res) => {
              if (res.status >= 500) failures.push({ caller: caller.name, probe: what, sent: sentOf(probe), status: res.status, body: res.text.slice(0, 200) });
              return res.status;
            },
            (err: Error) => {
              failures.push({ caller: caller.name, probe: what, sent: sentOf(probe), status: 'no answer', body: String(err.cause ?? err) });
              return 'no answer';
            },
          );
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (process.env.FUZZ_DEBUG) timings.push([Date.now() - t0, `${caller.name} ${status} ${what}`]);
        });
      }
      // Still up: /healthz answers 200 (a moment is allowed for the last slow requests to drain).
      const health = await eventually(async () => (await fetch(`${app.url}/healthz`)).status === 200, 10_000).then(
        () => 200,
        () => 'down',
      );
      expect({ after: caller.name, health }).toEqual({ after: caller.name, health: 200 });
    }

    if (process.env.FUZZ_DEBUG)
      console.log(
        timings
          .sort((a, b) => b[0] - a[0])
          .slice(0, 30)
          .map(([ms, what]) => `${ms} ms ${what}`)
          .join('\n'),
      );
    const byStatus = [...statuses]
      .sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
    console.log(
      `surface fuzz: ${requests} requests to ${routes.length} routes as ${chosen.map((c) => c.name).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s; answers ${byStatus}; ${failures.length} answered 5xx or not at all`,
    );
    expect(failures).toEqual([]);
    expect(await halfStoredRows(app)).toEqual({
      emailsWithoutJob: 0,
      loginLinksWithoutJob: 0,
      eventsWithoutJob: 0,
      formSupportersWithoutConsent: 0,
      newsletterWithoutConsent: 0,
      giftsWithoutReceiptNumber: 0,
    });
  }, 420_000);
});
