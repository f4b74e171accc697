import type { Browser, BrowserContext, Page } from 'playwright-core';
import { donations, supporters } from '../../src/db/schema';
import { roles } from '../../src/features/staff';
import { tokyoDay } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { horizontalOverflow, launchBrowser } from '../helpers/browser';
import { joinAndPay } from '../helpers/giving';
import type { Visitor } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { createNewsletter } from '../helpers/newsletters';
import { appRoutes, type RouteEntry } from '../helpers/routes';
import { adminToken, signInAs } from '../helpers/staff';

// Every GET page of the app's router at phone width (390 px), for each kind of caller that may see
// it: each staff role on the console, a signed-in supporter on My page, anyone on the public pages.
// A page wider than the window, or a table wider than its box (which then scrolls sideways inside a
// wrapper), fails the test naming the page.
const PHONE = { width: 390, height: 844 };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('no page scrolls sideways on a phone', () => {
  let app: TestApp;
  let browser: Browser;
  let ids: Record<string, string>;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    const joined = await joinAndPay(app, { plan: '10000', family_name: '株式会社サクラテックソリューションズ', given_name: '代表取締役', newsletter: 'on' });
    await joinAndPay(app, { plan: '1000', family_name: 'Wolfeschlegelsteinhausen', given_name: 'Hubert', locale: 'en' });
    const [company] = await app.ctx.db
      .insert(supporters)
      .values({
        email: `corp-${Date.now()}@example.jp`,
        emailNormalized: `corp-${Date.now()}@example.jp`,
        familyName: '一般社団法人日本難民支援ネットワーク協議会',
        givenName: '御中',
        status: 'one_time',
      })
      .returning();
    const at = new Date();
    await app.ctx.db
      .insert(donations)
      .values({ supporterId: company!.id, entry: 'gift', amount: 1025000, method: 'bank_transfer', frequency: 'one_time', receivedAt: at, receivedOn: tokyoDay(at) });
    const newsletterId = await createNewsletter(app.ctx.db, { subjectJa: 'WELgeeファミリー通信 二〇二六年十二月号：難民のキャリア再建の現場から', bodyJa: '本文' });
    ids = { supporter: joined.supporter.id, gift: joined.gifts[0]!.id, newsletter: newsletterId, email: joined.fields.email! };
    // An export run and audit entries to show on their pages.
    const { visitor } = await signInAs(app, 'admin');
    await visitor.get(`/admin/supporters/${ids.supporter}`);
    await visitor.get('/admin/exports/donations.csv?from=2026-01-01&to=2026-12-31&format=standard&encoding=cp932');
    await adminToken(visitor);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** The route's path with ids that exist where the seed has one, else an unknown id. */
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

  /** A phone-sized browser context holding the visitor's cookies (signed in as they are). */
  async function phoneContext(visitor?: Visitor): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
    if (visitor) {
      // Each cookie under the path it was set for (the supporter's session lives under /me).
      const cookies = new Map<string, { name: string; value: string; url: string }>();
      for (const path of ['/me', '/admin', '/'])
        for (const pair of visitor.cookieHeader(path).split('; ').filter(Boolean)) {
          const [name, ...value] = pair.split('=');
          if (!cookies.has(name!)) cookies.set(name!, { name: name!, value: value.join('='), url: app.url + path });
        }
      await context.addCookies([...cookies.values()]);
    }
    return context;
  }

  /** Tables wider than the box that holds them (they scroll sideways inside a wrapper), as "table.class: N px". */
  const widerTables = (page: Page) =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('table')).flatMap((table) => {
        const box = table.parentElement!.clientWidth;
        const extra = Math.ceil(table.getBoundingClientRect().width) - box;
        return extra > 1 ? [`table.${Array.from(table.classList).join('.')} ${extra} px wider than its box`] : [];
      }),
    );

  /** Visits each page; returns "path (caller): N px" for every page wider than the window. */
  async function overflowingPages(caller: string, context: BrowserContext, routes: RouteEntry[]): Promise<string[]> {
    const page = await context.newPage();
    const found: string[] = [];
    for (const route of routes) {
      for (const lang of ['ja', 'en']) {
        const url = `${concrete(route.path)}?lang=${lang}`;
        const res = await page.goto(app.url + url, { waitUntil: 'load' });
        if (!res || !(res.headers()['content-type'] ?? '').startsWith('text/html')) continue;
        const overflow = await horizontalOverflow(page);
        if (overflow > 0) found.push(`${url} (${caller}): ${overflow} px`);
        for (const table of await widerTables(page)) found.push(`${url} (${caller}): ${table}`);
      }
    }
    await page.close();
    return found;
  }

  const getRoutes = () => appRoutes(app.ctx).filter((r) => r.method === 'get' && !/\.(csv|pdf|json)$/.test(r.path) && !r.path.startsWith('/dev/'));

  test.each([...roles])(
    'when %s staff open every console page at 390 px, then none scrolls sideways',
    async (role) => {
      const { visitor } = await signInAs(app, role);
      const context = await phoneContext(visitor);
      const routes = [...getRoutes().filter((r) => r.path.startsWith('/admin') && r.path !== '/admin/login'), { method: 'get' as const, path: '/admin/jobs' }];
      expect(routes.length).toBeGreaterThan(30);
      expect(await overflowingPages(role, context, routes)).toEqual([]);
      await context.close();
    },
    300_000,
  );

  test('when a supporter opens every My page at 390 px, then none scrolls sideways', async () => {
    const visitor = await signInSupporter(app, ids.email!);
    const context = await phoneContext(visitor);
    const routes = getRoutes().filter((r) => r.path.startsWith('/me') && !/\/(link|login)\b/.test(r.path));
    expect(routes.length).toBeGreaterThan(3);
    expect(await overflowingPages('supporter', context, routes)).toEqual([]);
    await context.close();
  }, 300_000);

  test('when anyone opens every public page at 390 px, then none scrolls sideways', async () => {
    const context = await phoneContext();
    const routes = getRoutes().filter((r) => !r.path.startsWith('/admin') || r.path === '/admin/login');
    expect(routes.length).toBeGreaterThan(8);
    expect(await overflowingPages('anonymous', context, routes)).toEqual([]);
    await context.close();
  }, 300_000);
});
