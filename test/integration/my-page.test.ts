import { and, eq } from 'drizzle-orm';
import { auditLog, cancellationReasons, consents, donations, subscriptions, supporters } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_DECLINED, CARD_OK, joinAndPay } from '../helpers/giving';
import { unescapeHtml } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { signInAs } from '../helpers/staff';
import { pdfText } from '../helpers/pdf';

const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** Follows the emulator's portal pages as a browser would (no cookies needed there). */
async function portal(url: string, form?: Record<string, string>) {
  const res = await fetch(
    url,
    form ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' } : { redirect: 'manual' },
  );
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function subscriptionRow(app: TestApp, id: string) {
  const [row] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row!;
}

describe('My page', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  async function signedIn(overrides: Record<string, string> = {}) {
    const joined = await joinAndPay(app, { plan: '1000', ...overrides });
    const visitor = await signInSupporter(app, joined.fields.email!);
    const token = tokenOf((await visitor.get('/me')).html);
    return { ...joined, visitor, token };
  }

  test('when a supporter downloads a receipt, then it is their gift with the same number as the email, and another supporter gets 404', async () => {
    const a = await signedIn({ family_name: '石田', given_name: '翔' });
    const b = await joinAndPay(app, { plan: '5000' });
    const gift = a.gifts[0]!;
    const res = await a.visitor.get(`/me/gifts/${gift.id}/receipt.pdf`);
    expect(res.res.status).toBe(200);
    expect(res.res.headers.get('content-type')).toBe('application/pdf');
    expect(res.res.headers.get('cache-control')).toContain('no-store');
    const pdf = await fetch(`${app.url}/me/gifts/${gift.id}/receipt.pdf`, { headers: { cookie: a.visitor.cookieHeader('/me') } }).then((r) => r.arrayBuffer());
    const text = await pdfText(Buffer.from(pdf));
    expect(text).toContain(gift.receiptNumber!);
    expect(text).toContain('石田');
    for (const id of [b.gifts[0]!.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', `${gift.id}' OR '1'='1`]) {
      expect((await a.visitor.get(`/me/gifts/${encodeURIComponent(id)}/receipt.pdf`)).res.status).toBe(404);
    }
  });

  test('when the overview is opened, then it shows the plan, next charge date and every gift with its receipt', async () => {
    const { visitor, gifts, subscription } = await signedIn({ family_name: '大野', given_name: '結衣' });
    const html = unescapeHtml((await visitor.get('/me')).html);
    expect(html).toContain('大野 結衣');
    expect(html).toContain('1,000 / 月');
    expect(html).toContain('継続中');
    const next = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'long' }).format(subscription.currentPeriodEnd!);
    expect(html).toContain(next);
    expect(html).toContain(gifts[0]!.receiptNumber!);
  });

  test('when a supporter switches from ¥1,000 to ¥5,000, then a confirmation names the date and Stripe changes from the next charge without proration', async () => {
    const { visitor, token, subscription, supporter } = await signedIn();
    const confirm = unescapeHtml((await visitor.get('/me/plan?amount=5000')).html);
    const date = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'long' }).format(subscription.currentPeriodEnd!);
    expect(confirm).toContain(`${date}のお支払いから`);
    const done = await visitor.post('/me/plan', { amount: '5000', _csrf: token });
    expect(done.location).toBe('/me?done=plan');
    const row = await eventually(async () => {
      const r = await subscriptionRow(app, subscription.id);
      return r.amount === 5000 ? r : undefined;
    });
    expect(row.status).toBe('active');
    const stripeSub = await app.ctx.stripe.stripe.subscriptions.retrieve(subscription.stripeSubscriptionId);
    expect(stripeSub.items.data[0]!.price.unit_amount).toBe(5000);
    // The next renewal is charged at the new amount.
    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    const gifts = await eventually(async () => {
      const rows = await app.ctx.db.select().from(donations).where(eq(donations.supporterId, supporter.id));
      return rows.length === 2 ? rows : undefined;
    });
    expect(gifts.map((g) => g.amount).sort()).toEqual([1000, 5000]);
    expect(unescapeHtml((await visitor.get('/me')).html)).toContain('5,000 / 月');
  });

  test('when the plan form is sent with bad values or without its token, then nothing changes', async () => {
    const { visitor, token, subscription } = await signedIn();
    for (const amount of ['3000', '', '5000<script>', "1000' OR 1=1", '1e4', 'x'.repeat(5000)]) {
      expect((await visitor.post('/me/plan', { amount, _csrf: token })).res.status).toBe(422);
    }
    expect((await visitor.post('/me/plan', { amount: '5000' })).res.status).toBe(403);
    expect((await visitor.post('/me/plan', { amount: '5000', _csrf: 'forged' })).res.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect((await subscriptionRow(app, subscription.id)).amount).toBe(1000);
  });

  test('when a payment fails, then My page says so and updating the card in the portal pays it and clears the notice', async () => {
    const { visitor, token, supporter, subscription } = await signedIn({ plan: '5000' });
    app.stripe.setCustomerCard(supporter.stripeCustomerId!, CARD_DECLINED);
    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    await eventually(async () => ((await subscriptionRow(app, subscription.id)).status === 'past_due' ? true : undefined));
    const page = unescapeHtml((await visitor.get('/me')).html);
    expect(page).toContain('前回のお支払いができませんでした');
    const go = await visitor.post('/me/card', { _csrf: token });
    expect(go.res.status).toBe(303);
    expect(go.location).toMatch(/\/portal\/bps_/);
    const card = await portal(`${go.location}/card`, { card_number: CARD_OK, card_expiry: '12 / 34', card_cvc: '123', cardholder_name: 'TEST' });
    expect(card.status).toBe(303);
    await eventually(async () => ((await subscriptionRow(app, subscription.id)).status === 'active' ? true : undefined));
    expect(unescapeHtml((await visitor.get('/me')).html)).not.toContain('前回のお支払いができませんでした');
  });

  test('when a supporter cancels, then ¥1,000 is offered first, the reason is kept, the portal opens on cancelling and the page shows the end date', async () => {
    const { visitor, token, supporter, subscription } = await signedIn({ plan: '10000' });
    const page = unescapeHtml((await visitor.get('/me/cancel')).html);
    expect(page).toContain('月1,000円で続けませんか');
    const tooLong = await visitor.post('/me/cancel', { reason: 'x'.repeat(1001), _csrf: token });
    expect(tooLong.res.status).toBe(422);
    expect(unescapeHtml(tooLong.html)).toMatch(/data-error-summary[\s\S]*<a href="#reason">理由は1,000字以内でご記入ください。<\/a>/);
    expect(tooLong.html).toContain('aria-describedby="reason-hint reason-error"');
    expect(await app.ctx.db.select().from(cancellationReasons).where(eq(cancellationReasons.supporterId, supporter.id))).toHaveLength(0);
    const go = await visitor.post('/me/cancel', { reason: '家計の見直しのため <b>', _csrf: token });
    expect(go.res.status).toBe(303);
    const opened = await portal(go.location!);
    expect(opened.status).toBe(302);
    expect(opened.location).toBe(`${new URL(go.location!).pathname}/subscriptions/${subscription.stripeSubscriptionId}/cancel`);
    const confirmUrl = new URL(opened.location!, go.location!).toString();
    const confirmed = await portal(confirmUrl, {});
    expect(confirmed.location).toBe(`${app.url}/me?done=cancel`);
    const row = await eventually(async () => {
      const r = await subscriptionRow(app, subscription.id);
      return r.cancelAtPeriodEnd ? r : undefined;
    });
    expect(row.status).toBe('active');
    const [reason] = await app.ctx.db.select().from(cancellationReasons).where(eq(cancellationReasons.supporterId, supporter.id));
    expect(reason!.reason).toBe('家計の見直しのため <b>');
    const after = unescapeHtml((await visitor.get('/me?done=cancel')).html);
    expect(after).toContain('停止予定（');
    expect(after).not.toContain('<b>');
    // Staff read the reason on the supporter's page, escaped.
    const staff = await signInAs(app, 'staff');
    const detail = await staff.visitor.get(`/admin/supporters/${supporter.id}`);
    expect(detail.html).toContain('家計の見直しのため &lt;b&gt;');
  });

  test('when a supporter takes the ¥1,000 offer instead, then the plan changes and nothing is cancelled', async () => {
    const { visitor, token, subscription } = await signedIn({ plan: '5000' });
    const done = await visitor.post('/me/plan', { amount: '1000', _csrf: token });
    expect(done.location).toBe('/me?done=plan');
    const row = await eventually(async () => {
      const r = await subscriptionRow(app, subscription.id);
      return r.amount === 1000 ? r : undefined;
    });
    expect(row.cancelAtPeriodEnd).toBe(false);
  });

  test('when monthly giving has ended, then the supporter can start again or give once from their page', async () => {
    const { visitor, token, supporter, subscription } = await signedIn();
    await app.ctx.stripe.stripe.subscriptions.update(subscription.stripeSubscriptionId, { cancel_at_period_end: true });
    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    await eventually(async () => ((await subscriptionRow(app, subscription.id)).status === 'canceled' ? true : undefined));
    const page = unescapeHtml((await visitor.get('/me')).html);
    expect(page).toContain('毎月の寄付は終了しています');
    const restart = await visitor.post('/me/restart', { plan: '1000', _csrf: token });
    expect(restart.res.status).toBe(303);
    const sessionId = /\/(cs_\w+)/.exec(restart.location!)![1]!;
    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    await eventually(async () => {
      const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
      return s!.status === 'monthly' ? true : undefined;
    });
    const give = await visitor.post('/me/give', { amount: 'other', custom_amount: '７，０００円', _csrf: token });
    expect(give.res.status).toBe(303);
    const giftSession = await app.ctx.stripe.retrieveCheckoutSession(/\/(cs_\w+)/.exec(give.location!)![1]!);
    expect(giftSession.amount_total).toBe(7000);
    expect(giftSession.customer).toBe(supporter.stripeCustomerId);
    for (const amount of ['100', '99999999', '<script>', '']) {
      expect((await visitor.post('/me/give', { amount: 'other', custom_amount: amount, _csrf: token })).res.status).toBe(422);
    }
  });

  test('when a supporter edits their profile, then it is saved, bad values are refused with messages and nothing half-stored', async () => {
    const { visitor, token, supporter } = await signedIn();
    const bad = await visitor.post('/me/profile', {
      family_name: '',
      given_name: 'x'.repeat(51),
      family_name_kana: 'abc',
      postal_code: '12-34',
      prefecture: 'Atlantis',
      address: 'a\u0007b',
      locale: 'fr',
      _csrf: token,
    });
    expect(bad.res.status).toBe(422);
    const badHtml = unescapeHtml(bad.html);
    for (const id of ['family_name', 'given_name', 'family_name_kana', 'postal_code', 'prefecture', 'address', 'locale']) expect(badHtml).toContain(`${id}-error`);
    const [unchanged] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
    expect(unchanged!.givenName).toBe(supporter.givenName);
    const html = await visitor.post('/me/profile', { family_name: '<script>alert(1)</script>', given_name: '花子', _csrf: token, locale: 'ja' });
    expect(html.res.status).toBe(422);
    const ok = await visitor.post('/me/profile', {
      family_name: '山田',
      given_name: '花',
      family_name_kana: 'やまだ',
      given_name_kana: 'ﾊﾅ',
      postal_code: '１５００００２',
      prefecture: '東京都',
      address: '渋谷区渋谷2-1-1',
      locale: 'en',
      _csrf: token,
    });
    expect(ok.location).toBe('/me?done=profile&lang=en');
    const [saved] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
    expect(saved).toMatchObject({
      givenName: '花',
      familyNameKana: 'ヤマダ',
      givenNameKana: 'ハナ',
      postalCode: '150-0002',
      prefecture: '東京都',
      address: '渋谷区渋谷2-1-1',
      locale: 'en',
      email: supporter.email,
    });
    const audit = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, supporter.id), eq(auditLog.action, 'supporter.self_edit')));
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.detail)).not.toContain('渋谷');
  });

  test('when a supporter turns the newsletter and post on and off, then each change is a consent event with the text shown', async () => {
    const { visitor, token, supporter } = await signedIn();
    await visitor.post('/me/preferences', { newsletter: 'on', postal_mail: 'on', _csrf: token });
    await visitor.post('/me/preferences', { postal_mail: 'on', _csrf: token });
    await visitor.post('/me/preferences', { postal_mail: 'on', _csrf: token });
    expect((await visitor.post('/me/preferences', { newsletter: 'yes please', _csrf: token })).res.status).toBe(422);
    expect((await visitor.post('/me/preferences', { newsletter: 'on' })).res.status).toBe(403);
    const rows = await app.ctx.db
      .select()
      .from(consents)
      .where(and(eq(consents.supporterId, supporter.id), eq(consents.source, 'my_page')));
    expect(rows.map((r) => [r.purpose, r.granted])).toEqual([
      ['newsletter', true],
      ['postal_mail', true],
      ['newsletter', false],
    ]);
    expect(rows[0]!.text).toBe('メールマガジン「WELgeeファミリー通信」を受け取る');
    const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
    expect(s).toMatchObject({ newsletter: false, postalMail: true });
  });
});
