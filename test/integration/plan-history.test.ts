import { asc, eq } from 'drizzle-orm';
import { parseMail } from '../../src/dev/mail-sink';
import { emails, stripeEvents, subscriptionEvents, subscriptions } from '../../src/db/schema';
import { processStripeEvent } from '../../src/features/billing';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_OK, joinAndPay } from '../helpers/giving';
import { unescapeHtml } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { signInAs } from '../helpers/staff';

const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const jst = (date: Date, locale: 'ja' | 'en' = 'ja') =>
  new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: locale === 'ja' ? 'long' : 'short', day: 'numeric' }).format(date);

/** Follows the emulator's portal pages as a browser would. */
async function portal(url: string, form?: Record<string, string>) {
  const res = await fetch(
    url,
    form ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' } : { redirect: 'manual' },
  );
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

describe('plan history and confirmations', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  const rowOf = async (id: string) => (await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, id)))[0]!;
  const waitFor = (id: string, check: (row: Awaited<ReturnType<typeof rowOf>>) => boolean) =>
    eventually(async () => {
      const row = await rowOf(id);
      return check(row) ? row : undefined;
    });
  const historyOf = (subscriptionId: string) =>
    app.ctx.db.select().from(subscriptionEvents).where(eq(subscriptionEvents.subscriptionId, subscriptionId)).orderBy(asc(subscriptionEvents.occurredAt));
  /** Subjects of the mail an address received over SMTP, parsed. */
  async function subjectsTo(address: string): Promise<string[]> {
    const mine = app.mail.messages.filter((m) => m.envelopeTo.includes(address));
    return Promise.all(mine.map(async (m) => (await parseMail(m.raw)).subject ?? ''));
  }
  async function textOf(address: string, subject: string): Promise<string> {
    for (const m of app.mail.messages.filter((x) => x.envelopeTo.includes(address))) {
      const parsed = await parseMail(m.raw);
      if (parsed.subject === subject) return parsed.text ?? '';
    }
    throw new Error(`no mail "${subject}" to ${address}`);
  }
  /** Delivers again every webhook event Stripe sent about this subscription (as Stripe's retries do). */
  async function redeliverAll(stripeSubscriptionId: string) {
    const events = app.stripe.events().filter((e) => e.type.startsWith('customer.subscription.') && (e.data.object as { id: string }).id === stripeSubscriptionId);
    // Newest first: a late duplicate of an old change arrives after the later ones.
    for (const event of events.reverse()) expect(await app.stripe.deliverEvent(event.id)).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
  }

  test('when a supporter changes 5,000 → 10,000 → 1,000, cancels and undoes it, then staff see each step, each email arrives once and the stop date is the period end', async () => {
    const { fields, supporter, subscription } = await joinAndPay(app, { plan: '5000', family_name: '森', given_name: '春香' });
    const email = fields.email!;
    const visitor = await signInSupporter(app, email);
    const token = tokenOf((await visitor.get('/me')).html);

    expect((await visitor.post('/me/plan', { amount: '10000', _csrf: token })).location).toBe('/me?done=plan');
    await waitFor(subscription.id, (r) => r.amount === 10000);
    expect((await visitor.post('/me/plan', { amount: '1000', _csrf: token })).location).toBe('/me?done=plan');
    const changed = await waitFor(subscription.id, (r) => r.amount === 1000);
    const periodEnd = changed.currentPeriodEnd!;
    const endDate = jst(periodEnd);

    // The cancel page says plainly that the period-end charge does not happen and until when support lasts.
    const cancelPage = unescapeHtml((await visitor.get('/me/cancel')).html);
    expect(cancelPage).toContain(`${endDate}のお支払いは行われず、その後も請求されません。`);
    expect(cancelPage).toContain(`${jst(subscription.createdAt)}にお支払いいただいた分で、${endDate}まで支援が続きます。`);

    // The reason is asked on our page only: the portal's confirmation has no reason field.
    const go = await visitor.post('/me/cancel', { reason: '引っ越しのため', _csrf: token });
    const opened = await portal(go.location!);
    const confirmUrl = new URL(opened.location!, go.location!).toString();
    expect((await portal(confirmUrl)).html).not.toContain('name="reason"');
    expect((await portal(confirmUrl, {})).location).toBe(`${app.url}/me?done=cancel`);
    const cancelled = await waitFor(subscription.id, (r) => r.cancelAtPeriodEnd);
    expect(cancelled.status).toBe('active');
    expect(cancelled.cancelAt?.getTime()).toBe(periodEnd.getTime());
    // Stripe sets canceled_at when the stop is asked for (today), which is not the stop date.
    expect(cancelled.canceledAt!.getTime()).toBeLessThan(periodEnd.getTime());

    // My page: stopping until the period end, with the undo button, not 継続中.
    const me = unescapeHtml((await visitor.get('/me?done=cancel')).html);
    expect(me).toContain(`停止予定（${endDate}まで）`);
    expect(me).toContain(`${endDate}のお支払いは行われません。`);
    expect(me).toContain('action="/me/resume"');
    expect(me).not.toContain('継続中');

    // /me/plan and /me/cancel explain the state and offer the undo, never a bare 409.
    for (const path of ['/me/plan?amount=5000', '/me/cancel']) {
      const page = await visitor.get(path);
      expect(page.res.status).toBe(200);
      expect(unescapeHtml(page.html)).toContain('毎月の寄付は停止予定です');
      expect(page.html).toContain('action="/me/resume"');
      expect(page.html).not.toContain('変更できません');
    }
    const refused = await visitor.post('/me/plan', { amount: '5000', _csrf: token });
    expect(refused.res.status).toBe(409);
    expect(unescapeHtml(refused.html)).toContain(`停止予定（${endDate}まで）`);
    expect((await visitor.post('/me/resume', { _csrf: 'forged' })).res.status).toBe(403);

    // Staff: the stop date is the period end (not today), and the history lists each step.
    const staff = await signInAs(app, 'staff');
    const detail = unescapeHtml((await staff.visitor.get(`/admin/supporters/${supporter.id}`)).html);
    expect(detail).toContain(`${endDate}に停止予定`);
    expect(detail).not.toContain(`${jst(cancelled.canceledAt!)}に停止`);
    const timeline = detail.slice(detail.indexOf('プランの履歴'));
    for (const line of [
      '開始（月￥5,000）',
      'プラン変更 月￥5,000 → 月￥10,000',
      'プラン変更 月￥10,000 → 月￥1,000',
      '停止の手続き',
      `${endDate}に停止予定（この日のお支払いはありません）`,
    ]) {
      expect(timeline).toContain(line);
    }

    // Undo from My page: straight to Stripe, confirmed by its webhook.
    expect((await visitor.post('/me/resume', { _csrf: token })).location).toBe('/me?done=resume');
    await waitFor(subscription.id, (r) => !r.cancelAtPeriodEnd && r.cancelAt === null);
    const resumed = unescapeHtml((await visitor.get('/me')).html);
    expect(resumed).toContain('継続中');
    expect(resumed).not.toContain('停止予定');

    const subjects = ['毎月のご寄付の金額を変更しました', '毎月のご寄付の停止を承りました', '毎月のご寄付の停止を取り消しました'];
    await eventually(async () => {
      const got = await subjectsTo(email);
      return got.filter((s) => s === subjects[0]).length === 2 && got.includes(subjects[1]!) && got.includes(subjects[2]!) ? true : undefined;
    }, 20_000);
    // Every webhook delivered again, newest first: no second history row, no second email.
    await redeliverAll(subscription.stripeSubscriptionId);
    // And each event processed twice in full, as when a worker dies after its commit (jobs run at least once).
    for (const event of app.stripe
      .events()
      .filter((e) => e.type === 'customer.subscription.updated' && (e.data.object as { id: string }).id === subscription.stripeSubscriptionId)) {
      await app.ctx.db.update(stripeEvents).set({ processedAt: null, payload: event }).where(eq(stripeEvents.id, event.id));
      await processStripeEvent({ db: app.ctx.db, gateway: app.ctx.stripe }, event.id);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const history = await historyOf(subscription.id);
    expect(history.map((h) => [h.kind, h.previousAmount, h.amount])).toEqual([
      ['started', null, 5000],
      ['plan_changed', 5000, 10000],
      ['plan_changed', 10000, 1000],
      ['cancel_scheduled', null, 1000],
      ['cancel_undone', null, 1000],
    ]);
    expect(history[3]!.effectiveAt?.getTime()).toBe(periodEnd.getTime());
    const got = await subjectsTo(email);
    expect(got.filter((s) => s === subjects[0])).toHaveLength(2);
    expect(got.filter((s) => s === subjects[1])).toHaveLength(1);
    expect(got.filter((s) => s === subjects[2])).toHaveLength(1);
    const rows = await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id));
    expect(
      rows
        .filter((r) => ['plan-changed', 'cancel-scheduled', 'cancel-undone'].includes(r.template))
        .map((r) => r.template)
        .sort(),
    ).toEqual(['cancel-scheduled', 'cancel-undone', 'plan-changed', 'plan-changed']);

    // What the emails say: old → new and from which payment; no charge on the stop date and the last charge.
    const planMail = await textOf(email, subjects[0]!);
    expect(planMail).toContain('月￥10,000');
    expect(planMail).toMatch(/の(お)?支払いから/);
    const stopMail = await textOf(email, subjects[1]!);
    expect(stopMail).toContain(`${endDate}のお支払いは行われません。`);
    expect(stopMail).toContain(`${jst(subscription.createdAt)}にお支払いいただいた分で、${endDate}まで支援が続きます。`);
    expect(await textOf(email, subjects[2]!)).toContain(`次回のお支払いは${endDate}です。`);

    // The supporter's page in the console lists the three confirmations by name.
    const after = unescapeHtml((await staff.visitor.get(`/admin/supporters/${supporter.id}`)).html);
    for (const name of ['プラン変更の確認', '停止手続きの確認', '停止取り消しの確認', '停止の取り消し（月￥1,000で継続）']) expect(after).toContain(name);
  });

  test('when an English supporter stops, the period ends and they start again, then the emails are in English and staff see the end and the restart', async () => {
    const { fields, supporter, subscription } = await joinAndPay(app, { plan: '5000', locale: 'en', family_name: 'Hassan', given_name: 'Amina' });
    const email = fields.email!;
    const visitor = await signInSupporter(app, email);
    const token = tokenOf((await visitor.get('/me')).html);
    await app.ctx.stripe.stripe.subscriptions.update(subscription.stripeSubscriptionId, { cancel_at_period_end: true });
    const scheduled = await waitFor(subscription.id, (r) => r.cancelAtPeriodEnd);
    const endDate = jst(scheduled.currentPeriodEnd!, 'en');
    const page = unescapeHtml((await visitor.get('/me?lang=en')).html);
    expect(page).toContain(`Stopping (until ${endDate})`);
    await eventually(async () => ((await subjectsTo(email)).includes('We have received your request to stop your monthly gift') ? true : undefined), 20_000);
    expect(await textOf(email, 'We have received your request to stop your monthly gift')).toContain(`There will be no payment on ${endDate}`);

    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    const ended = await waitFor(subscription.id, (r) => r.status === 'canceled');
    expect(ended.endedAt?.getTime()).toBe(scheduled.currentPeriodEnd!.getTime());
    // After the end, /me/plan explains that giving has ended and how to start again.
    const plan = await visitor.get('/me/plan?amount=1000&lang=en');
    expect(plan.res.status).toBe(200);
    expect(unescapeHtml(plan.html)).toContain('Your monthly giving has ended');

    const restart = await visitor.post('/me/restart', { plan: '1000', _csrf: token });
    const sessionId = /\/(cs_\w+)/.exec(restart.location!)![1]!;
    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    await eventually(async () => {
      const rows = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.supporterId, supporter.id));
      return rows.some((r) => r.id !== subscription.id && r.status === 'active') ? true : undefined;
    });
    const staff = await signInAs(app, 'staff');
    const detail = unescapeHtml((await staff.visitor.get(`/admin/supporters/${supporter.id}?lang=en`)).html);
    expect(detail).toContain(`Stopped on ${jst(scheduled.currentPeriodEnd!, 'en')}`);
    const timeline = detail.slice(detail.indexOf('Plan history'));
    expect(timeline.indexOf('Restarted (¥1,000 a month)')).toBeGreaterThan(-1);
    expect(timeline.indexOf('Restarted')).toBeLessThan(timeline.indexOf('Started (¥5,000 a month)'));
  });
});
