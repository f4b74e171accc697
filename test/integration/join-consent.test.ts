import { and, eq } from 'drizzle-orm';
import { consents, type consentSources, emails, subscriptions, supporters, supporterTags } from '../../src/db/schema';
import { previewAudience } from '../../src/features/newsletters/audience';
import { unsubscribeToken } from '../../src/features/newsletters/unsubscribe-token';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_OK, joinAndPay, joinFields, mailTo, startJoin } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// Trust and safety: the join form must not tell who gives monthly, and newsletter consent from a
// public form counts only with its payment or a confirmed emailed link (double opt-in).

describe('join without disclosure and newsletter double opt-in', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.stop();
  });

  const supporterByEmail = async (email: string) => (await app.ctx.db.select().from(supporters).where(eq(supporters.email, email)))[0]!;
  const newsletterConsents = (id: string) =>
    app.ctx.db
      .select()
      .from(consents)
      .where(and(eq(consents.supporterId, id), eq(consents.purpose, 'newsletter')));
  const emailsTo = (address: string) => app.ctx.db.select().from(emails).where(eq(emails.toAddress, address));

  /** Submits the join form anonymously and returns the raw answer. */
  async function submitJoin(fields: Record<string, string | undefined>) {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/family');
    return visitor.post('/family/join', { ...fields, _csrf: token });
  }

  /** A supporter who joined with the newsletter, paid, then unsubscribed with the link in a newsletter. */
  async function unsubscribedDonor(locale: 'ja' | 'en' = 'ja') {
    const paid = await joinAndPay(app, { newsletter: 'on', locale });
    await eventually(async () => (await supporterByEmail(paid.fields.email!)).newsletter);
    const res = await fetch(`${app.url}/unsubscribe/${unsubscribeToken(app.ctx.sessionSecret, paid.supporter.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect((await supporterByEmail(paid.fields.email!)).newsletter).toBe(false);
    return paid;
  }

  async function expireCheckout(sessionId: string) {
    const res = await fetch(`${app.stripe.url}/v1/checkout/sessions/${sessionId}/expire`, { method: 'POST', headers: { authorization: `Bearer ${app.stripe.secretKey}` } });
    expect(res.status).toBe(200);
  }

  const linkIn = (text: string) => /https?:\/\/\S+\/family\/newsletter\/confirm\/[0-9a-f-]{36}\/[\w-]{43}/.exec(text)![0]!;

  test("when a monthly donor's address is sent on the join form, then the answer is the same 303 to Checkout as for anyone else and only the donor is emailed", async () => {
    const donor = await joinAndPay(app, { plan: '5000' });
    const newcomer = joinFields();

    const forDonor = await submitJoin({ ...donor.fields, plan: '1000' });
    const forNewcomer = await submitJoin({ ...newcomer, plan: '1000' });

    // Same status, same kind of redirect (a Checkout Session on the same host), a page that opens the same way.
    const shape = (location: string | null) => location!.replace(/cs_\w+/, 'cs_…');
    expect(forDonor.res.status).toBe(303);
    expect(forNewcomer.res.status).toBe(303);
    expect(shape(forDonor.location)).toBe(shape(forNewcomer.location));
    expect(forDonor.html.length).toBe(forNewcomer.html.length);
    const [donorPage, newcomerPage] = await Promise.all([fetch(forDonor.location!), fetch(forNewcomer.location!)]);
    expect(donorPage.status).toBe(newcomerPage.status);
    expect(donorPage.status).toBe(200);

    // What differs goes to the donor's own mailbox: written with the answer, so it is there already.
    expect((await emailsTo(donor.fields.email!)).map((e) => e.template)).toContain('already-monthly');
    expect((await emailsTo(newcomer.email!)).map((e) => e.template)).not.toContain('already-monthly');
    const [mail] = await mailTo(app, donor.fields.email!, 1, (s) => s.includes('すでに毎月'));
    expect(mail!.text).toContain('毎月￥5,000');
    expect(mail!.text).toContain(`${app.url}/me`);
    expect(mail!.text).toMatch(/\/billing\/card\/[0-9a-f-]{36}\.\d+\.[\w-]{43}/);

    // Sent again and again by someone else, the form still answers the same, and the donor gets one email a day.
    expect((await submitJoin({ ...donor.fields, plan: '1000' })).res.status).toBe(303);
    expect((await emailsTo(donor.fields.email!)).filter((e) => e.template === 'already-monthly')).toHaveLength(1);

    // Nothing about the donor's giving changed.
    const subs = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.supporterId, donor.supporter.id));
    expect(subs).toHaveLength(1);
  });

  test('when an unpaid join ticks the newsletter box, then an unsubscribed address stays unsubscribed in its language, and a new address is not subscribed', async () => {
    const donor = await unsubscribedDonor('ja');
    const again = await submitJoin({ ...donor.fields, newsletter: 'on', locale: 'en' });
    expect(again.res.status).toBe(303);
    const after = await supporterByEmail(donor.fields.email!);
    expect(after).toMatchObject({ newsletter: false, locale: 'ja' });
    const granted = (await newsletterConsents(donor.supporter.id)).filter((c) => c.granted);
    expect(granted).toHaveLength(1); // the one given with the first payment, before unsubscribing

    const prospect = joinFields({ newsletter: 'on', locale: 'en' });
    expect((await submitJoin(prospect)).res.status).toBe(303);
    const stored = await supporterByEmail(prospect.email!);
    expect(stored).toMatchObject({ newsletter: false, status: 'prospect' });
    expect(await newsletterConsents(stored.id)).toHaveLength(0);
  });

  test("when an unpaid join's Checkout expires, then a confirmation link is emailed; opening it changes nothing and its button subscribes with the text, time and IP", async () => {
    const fields = joinFields({ newsletter: 'on', locale: 'en' });
    const { sessionId } = await startJoin(app, fields);
    await expireCheckout(sessionId);
    const [mail] = await mailTo(app, fields.email!, 1, (s) => s.includes('Please confirm'));
    const link = linkIn(mail!.text!);
    const path = new URL(link).pathname;
    const supporter = await supporterByEmail(fields.email!);

    // Link scanners fetch links: a GET (even twice) only shows the button.
    const visitor = Visitor.of(app);
    const page = await visitor.get(path);
    await visitor.get(path);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('Send me the monthly email');
    expect(page.html).toContain(`action="${path}"`);
    expect((await supporterByEmail(fields.email!)).newsletter).toBe(false);
    expect(await newsletterConsents(supporter.id)).toHaveLength(0);

    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const confirmed = await visitor.post(path, { _csrf: token });
    expect(confirmed.res.status).toBe(303);
    expect(confirmed.location).toBe('/family/newsletter/confirmed?lang=en');
    expect((await visitor.get(confirmed.location!)).res.status).toBe(200);
    expect(await supporterByEmail(fields.email!)).toMatchObject({ newsletter: true, locale: 'en' });
    const [consent] = await newsletterConsents(supporter.id);
    expect(consent).toMatchObject({ granted: true, source: 'newsletter_confirmation', text: 'Send me the monthly email "WELgee Family News"' });
    expect(consent!.ip).toBeTruthy();
    expect(consent!.createdAt).toBeInstanceOf(Date);

    // Once only; a forged token does nothing.
    expect((await visitor.post(path, { _csrf: token })).res.status).toBe(410);
    const forged = path.replace(/\/[\w-]{43}$/, `/${'A'.repeat(43)}`);
    expect((await visitor.get(forged)).res.status).toBe(410);
    expect(await newsletterConsents(supporter.id)).toHaveLength(1);
  });

  test("when a join with the newsletter box is paid, then the consent is recorded as the payment's webhook arrives, and not before", async () => {
    const fields = joinFields({ newsletter: 'on' });
    const { sessionId } = await startJoin(app, fields);
    const before = await supporterByEmail(fields.email!);
    expect(before.newsletter).toBe(false);
    expect(await newsletterConsents(before.id)).toHaveLength(0);

    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    const [consent] = await eventually(async () => {
      const rows = await newsletterConsents(before.id);
      return rows.length > 0 ? rows : undefined;
    });
    expect(consent).toMatchObject({ granted: true, source: 'join_form', text: 'メールマガジン「WELgeeファミリー通信」を受け取る' });
    expect(consent!.ip).toBeTruthy();
    expect((await supporterByEmail(fields.email!)).newsletter).toBe(true);
  });

  test('when someone who unsubscribed pays a join with the box ticked, then only their confirmed link subscribes them again', async () => {
    const donor = await unsubscribedDonor('ja');
    const { sessionId } = await startJoin(app, { ...donor.fields, plan: '1000', newsletter: 'on' });
    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    const [mail] = await mailTo(app, donor.fields.email!, 1, (s) => s.includes('【確認】'));
    // The confirmation email is written in the transaction that would otherwise have subscribed them.
    expect((await supporterByEmail(donor.fields.email!)).newsletter).toBe(false);

    const path = new URL(linkIn(mail!.text!)).pathname;
    const visitor = Visitor.of(app);
    const token = /name="_csrf" value="([^"]+)"/.exec((await visitor.get(path)).html)![1]!;
    expect((await visitor.post(path, { _csrf: token })).res.status).toBe(303);
    expect((await supporterByEmail(donor.fields.email!)).newsletter).toBe(true);
  });

  test('when a prospect who never paid nor confirmed is flagged for the newsletter, then no newsletter audience includes them', async () => {
    const tag = `optin-${Date.now()}`;
    const add = async (email: string, status: 'prospect' | 'monthly', source?: (typeof consentSources)[number]) => {
      const [s] = await app.ctx.db.insert(supporters).values({ email, emailNormalized: email, familyName: '試験', givenName: '太郎', status, newsletter: true }).returning();
      if (source) await app.ctx.db.insert(consents).values({ supporterId: s!.id, purpose: 'newsletter', granted: true, text: 'x', textVersion: 'newsletter:x', source });
      await app.ctx.db.insert(supporterTags).values({ supporterId: s!.id, tag });
      return email;
    };
    await add(`form-only-${tag}@example.jp`, 'prospect', 'join_form');
    const confirmed = await add(`confirmed-${tag}@example.jp`, 'prospect', 'newsletter_confirmation');
    const byStaff = await add(`staff-${tag}@example.jp`, 'prospect', 'staff');
    const donor = await add(`donor-${tag}@example.jp`, 'monthly', 'join_form');

    const { count, sample } = await previewAudience(app.ctx.db, { segment: 'tag', tag });
    expect(sample.map((s) => s.email).sort()).toEqual([confirmed, donor, byStaff].sort());
    expect(count).toBe(3);
  });

  test('when staff turn the newsletter on for someone who unsubscribed, then a reason is required and kept with the consent', async () => {
    const donor = await unsubscribedDonor('ja');
    const staff = await signInAs(app, 'staff');
    const token = await adminToken(staff.visitor);
    const form = {
      email: donor.fields.email,
      family_name: '山田',
      given_name: '花子',
      family_name_kana: 'ヤマダ',
      given_name_kana: 'ハナコ',
      locale: 'ja',
      newsletter: 'on',
      _csrf: token,
    };
    const refused = await staff.visitor.post(`/admin/supporters/${donor.supporter.id}/edit`, form);
    expect(refused.res.status).toBe(422);
    expect(refused.html).toContain('配信停止をしています');
    expect((await supporterByEmail(donor.fields.email!)).newsletter).toBe(false);

    const saved = await staff.visitor.post(`/admin/supporters/${donor.supporter.id}/edit`, { ...form, newsletter_reason: '12月2日にお電話でご本人から依頼' });
    expect(saved.res.status).toBe(303);
    expect((await supporterByEmail(donor.fields.email!)).newsletter).toBe(true);
    const latest = (await newsletterConsents(donor.supporter.id)).sort((a, b) => a.id - b.id).at(-1)!;
    expect(latest).toMatchObject({ granted: true, source: 'staff', reason: '12月2日にお電話でご本人から依頼' });
    expect((await staff.visitor.get(`/admin/supporters/${donor.supporter.id}`)).html).toContain('理由: 12月2日にお電話でご本人から依頼');
  });
});
