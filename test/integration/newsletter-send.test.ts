import { and, eq, sql } from 'drizzle-orm';
import { consents, newsletterDeliveries, newsletters, supporters, supporterTags } from '../../src/db/schema';
import { createSentMarks } from '../../src/features/newsletters/sent-marks';
import { parseMail, startMailSink, type MailSink } from '../../src/dev/mail-sink';
import { createSendRate, deliveryProgress, listDeliveries, pauseSending, resendFailed, resumeSending, startSending } from '../../src/features/newsletters';
import { connectRedis } from '../../src/lib/queue';
import { unsubscribeToken, unsubscribeUrl } from '../../src/features/newsletters/unsubscribe-token';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml as decode } from '../helpers/http';
import { countByRecipient, createNewsletter, deliveriesOf, insertSupporters, setMessagesPerSecond, waitForStatus } from '../helpers/newsletters';

type Rule = () => { code: number; message: string } | undefined;

describe('newsletter sending', () => {
  let app: TestApp;
  let sink: MailSink;
  // Per address: how the receiving server answers RCPT TO (bounces, temporary failures).
  const rules = new Map<string, Rule>();

  beforeAll(async () => {
    sink = await startMailSink({ rejectRecipient: (address) => rules.get(address.toLowerCase())?.() });
    app = await startTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await app.stop();
    await sink.stop();
  });

  const start = (id: string, staffId: string | null = null) => app.ctx.db.transaction((tx) => startSending(tx, id, staffId));
  const receivedBy = (email: string) => sink.messages.filter((m) => m.envelopeTo.map((a) => a.toLowerCase()).includes(email.toLowerCase()));
  const supporterRow = async (id: string) => (await app.ctx.db.select().from(supporters).where(eq(supporters.id, id)))[0]!;
  const newsletterConsents = (id: string) =>
    app.ctx.db
      .select()
      .from(consents)
      .where(and(eq(consents.supporterId, id), eq(consents.purpose, 'newsletter')));
  const postOneClick = (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });

  test('when a newsletter goes to 10,000 supporters, then each consenting one gets exactly one message in their language with one-click unsubscribe', async () => {
    await setMessagesPerSecond(app.ctx, 100_000);
    const people = await insertSupporters(app.ctx.db, { count: 10_000, tag: 'ten-thousand', mix: true });
    const id = await createNewsletter(app.ctx.db, {
      audience: { segment: 'all' },
      subjectJa: '11月号 WELgeeファミリー通信',
      bodyJa: '今月は**新しい仲間**が加わりました。',
      subjectEn: 'WELgee Family News, November',
      bodyEn: 'This month **new members** joined us.',
    });

    const started = await start(id);
    const eligible = people.filter((p) => p.isEligible);
    expect(started).toEqual({ started: true, recipients: eligible.length });
    // A second start (double click, the scheduler) changes nothing.
    expect(await start(id)).toEqual({ started: false, recipients: 0 });

    await waitForStatus(app.ctx.db, id, 'sent', 170_000);
    const counts = countByRecipient(sink.messages);
    for (const p of people) expect({ email: p.email, received: counts.get(p.email) ?? 0 }).toEqual({ email: p.email, received: p.isEligible ? 1 : 0 });
    expect(await deliveryProgress(app.ctx.db, id)).toEqual({ queued: 0, sending: 0, sent: eligible.length, failed: 0, skipped: 0, total: eligible.length });
    const [issue] = await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, id));
    expect(issue?.finishedAt).toBeInstanceOf(Date);

    // A sample, parsed: language, headers and the link in the body.
    const sample = [...eligible.filter((p) => p.locale === 'ja').slice(0, 10), ...eligible.filter((p) => p.locale === 'en').slice(0, 10)];
    for (const p of sample) {
      const parsed = await parseMail(receivedBy(p.email)[0]!.raw);
      const url = unsubscribeUrl(app.config.publicUrl, app.ctx.sessionSecret, p.id);
      const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
      expect(parsed.subject).toBe(p.locale === 'en' ? 'WELgee Family News, November' : '11月号 WELgeeファミリー通信');
      expect(parsed.html).toContain(p.locale === 'en' ? '<strong>new members</strong>' : '<strong>新しい仲間</strong>');
      expect(parsed.text).toContain(url);
      expect(header('list-unsubscribe')).toBe(`<${url}>`);
      expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    }

    // The link in the body unsubscribes in one click, as a mail client would POST it.
    const reader = sample.at(-1)!;
    const text = (await parseMail(receivedBy(reader.email)[0]!.raw)).text ?? '';
    const link = /https?:\/\/\S+\/unsubscribe\/[\w.-]+/.exec(text)![0];
    const res = await postOneClick(link);
    expect(res.status).toBe(200);
    expect(decode(await res.text())).toContain('You have unsubscribed');
    expect((await supporterRow(reader.id)).newsletter).toBe(false);
    const events = await newsletterConsents(reader.id);
    expect(events).toEqual([expect.objectContaining({ granted: false, source: 'unsubscribe_link', purpose: 'newsletter' })]);
    expect(events[0]!.textVersion).toMatch(/^newsletter:/);
  }, 180_000);

  test('when the issue has no English, then English readers receive the Japanese issue', async () => {
    const people = await insertSupporters(app.ctx.db, { count: 4, tag: 'ja-only' });
    const id = await createNewsletter(app.ctx.db, { tag: 'ja-only', subjectJa: '日本語だけの号', bodyJa: '本文は日本語のみです。' });
    await start(id);
    await waitForStatus(app.ctx.db, id, 'sent');
    for (const p of people) {
      const parsed = await parseMail(receivedBy(p.email)[0]!.raw);
      expect({ locale: p.locale, subject: parsed.subject }).toEqual({ locale: p.locale, subject: '日本語だけの号' });
    }
    expect(people.some((p) => p.locale === 'en')).toBe(true);
  });

  test('when staff pause a send, then no message leaves until they resume, and everyone still gets exactly one', async () => {
    await setMessagesPerSecond(app.ctx, 40);
    const people = await insertSupporters(app.ctx.db, { count: 150, tag: 'pause' });
    const id = await createNewsletter(app.ctx.db, { tag: 'pause' });
    await start(id);
    const mine = (m: { envelopeTo: string[] }) => m.envelopeTo.some((a) => a.includes('pause-'));
    await sink.waitFor(20, mine, 20_000);

    expect(await app.ctx.db.transaction((tx) => pauseSending(tx, id))).toBe(true);
    expect(await app.ctx.db.transaction((tx) => pauseSending(tx, id))).toBe(false);
    // Workers notice within about a second; what was in flight may still land.
    await eventually(async () => (await deliveryProgress(app.ctx.db, id)).sending === 0, 10_000);
    const atPause = sink.messages.filter(mine).length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(sink.messages.filter(mine).length).toBe(atPause);
    const paused = await deliveryProgress(app.ctx.db, id);
    expect(paused.queued).toBeGreaterThan(0);
    expect(paused.sent).toBe(atPause);

    expect(await app.ctx.db.transaction((tx) => resumeSending(tx, id))).toBe(true);
    await waitForStatus(app.ctx.db, id, 'sent', 30_000);
    const counts = countByRecipient(sink.messages);
    for (const p of people) expect({ email: p.email, received: counts.get(p.email) }).toEqual({ email: p.email, received: 1 });
  }, 60_000);

  test('when supporters unsubscribe or bounce while their delivery is still queued, then it is skipped and they receive nothing', async () => {
    await setMessagesPerSecond(app.ctx, 40);
    const people = await insertSupporters(app.ctx.db, { count: 120, tag: 'late-change' });
    const id = await createNewsletter(app.ctx.db, { tag: 'late-change' });
    await start(id);
    const leaver = people.at(-1)!;
    const bounced = people.at(-2)!;
    await sink.waitFor(1, (m) => m.envelopeTo.some((a) => a.includes('late-change-')), 20_000);

    const res = await postOneClick(unsubscribeUrl(app.config.publicUrl, app.ctx.sessionSecret, leaver.id));
    expect(res.status).toBe(200);
    await app.ctx.db.update(supporters).set({ emailBouncedAt: new Date(), emailBounceReason: '550 from another mailing' }).where(eq(supporters.id, bounced.id));

    await waitForStatus(app.ctx.db, id, 'sent', 30_000);
    const rows = await deliveriesOf(app.ctx.db, id);
    expect(rows.get(leaver.id)).toMatchObject({ status: 'skipped', reason: 'unsubscribed', sentAt: null });
    expect(rows.get(bounced.id)).toMatchObject({ status: 'skipped', reason: 'bounced', sentAt: null });
    expect(receivedBy(leaver.email)).toHaveLength(0);
    expect(receivedBy(bounced.email)).toHaveLength(0);
    for (const p of people.slice(0, -2)) expect(receivedBy(p.email)).toHaveLength(1);

    expect(await deliveryProgress(app.ctx.db, id)).toEqual({ queued: 0, sending: 0, sent: 118, failed: 0, skipped: 2, total: 120 });
    const skipped = await listDeliveries(app.ctx.db, id, { status: 'skipped' });
    expect(skipped).toMatchObject({ total: 2, page: 1, pageCount: 1 });
    expect(skipped.rows.map((r) => r.supporterId).sort()).toEqual([leaver.id, bounced.id].sort());
    const second = await listDeliveries(app.ctx.db, id, { page: 2 });
    expect(second).toMatchObject({ total: 120, page: 2, pageCount: 3 });
    expect(second.rows).toHaveLength(50);
  }, 60_000);

  test('when the receiving server refuses an address with 550, then the delivery fails with the reply, the supporter is marked bounced and left out of the next issue', async () => {
    await setMessagesPerSecond(app.ctx, 1000);
    const people = await insertSupporters(app.ctx.db, { count: 3, tag: 'bounce' });
    const refused = people[1]!;
    rules.set(refused.email, () => ({ code: 550, message: '5.1.1 User unknown' }));
    const id = await createNewsletter(app.ctx.db, { tag: 'bounce' });
    await start(id);
    await waitForStatus(app.ctx.db, id, 'sent');

    const rows = await deliveriesOf(app.ctx.db, id);
    expect(rows.get(refused.id)).toMatchObject({ status: 'failed', attempts: 1, sentAt: null });
    expect(rows.get(refused.id)!.reason).toContain('550 5.1.1 User unknown');
    const supporter = await supporterRow(refused.id);
    expect(supporter.emailBouncedAt).toBeInstanceOf(Date);
    expect(supporter.emailBounceReason).toContain('550 5.1.1 User unknown');
    expect(receivedBy(refused.email)).toHaveLength(0);

    const next = await createNewsletter(app.ctx.db, { tag: 'bounce' });
    expect(await start(next)).toEqual({ started: true, recipients: 2 });
    expect((await deliveriesOf(app.ctx.db, next)).has(refused.id)).toBe(false);
    await waitForStatus(app.ctx.db, next, 'sent');
  });

  test('when the server answers 451 once, then the delivery waits its backoff, is retried and arrives once', async () => {
    await setMessagesPerSecond(app.ctx, 1000);
    const people = await insertSupporters(app.ctx.db, { count: 3, tag: 'temporary' });
    const busy = people[0]!;
    let refusals = 0;
    rules.set(busy.email, () => (refusals++ === 0 ? { code: 451, message: '4.7.1 Try again later' } : undefined));
    const id = await createNewsletter(app.ctx.db, { tag: 'temporary' });
    await start(id);

    const waiting = await eventually(async () => {
      const row = (await deliveriesOf(app.ctx.db, id)).get(busy.id);
      return row?.status === 'queued' && row.attempts === 1 ? row : undefined;
    });
    expect(waiting.reason).toContain('451 4.7.1 Try again later');
    const waitSeconds = (waiting.nextAttemptAt.getTime() - Date.now()) / 1000;
    expect(waitSeconds).toBeGreaterThan(20);
    expect(waitSeconds).toBeLessThanOrEqual(30);
    await new Promise((r) => setTimeout(r, 500));
    expect((await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, id)))[0]?.status).toBe('sending');

    // Fast-forward the backoff instead of waiting 30 seconds.
    await app.ctx.db
      .update(newsletterDeliveries)
      .set({ nextAttemptAt: sql`now()` })
      .where(eq(newsletterDeliveries.id, waiting.id));
    await waitForStatus(app.ctx.db, id, 'sent');
    expect((await deliveriesOf(app.ctx.db, id)).get(busy.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(receivedBy(busy.email)).toHaveLength(1);
    for (const p of people) expect(receivedBy(p.email)).toHaveLength(1);
  });

  test('when staff resend to the failed, then only failed deliveries whose supporter may still receive it go again', async () => {
    await setMessagesPerSecond(app.ctx, 1000);
    const [fine, flaky, refused] = await insertSupporters(app.ctx.db, { count: 3, tag: 'resend' });
    let serverBusy = true;
    rules.set(flaky!.email, () => (serverBusy ? { code: 450, message: '4.2.1 Mailbox busy' } : undefined));
    rules.set(refused!.email, () => ({ code: 550, message: '5.1.1 No such mailbox' }));
    const id = await createNewsletter(app.ctx.db, { tag: 'resend' });
    await app.ctx.db.transaction(async (tx) => {
      await startSending(tx, id);
      // This address has failed four times already: the next temporary failure is the last.
      await tx
        .update(newsletterDeliveries)
        .set({ attempts: 4 })
        .where(and(eq(newsletterDeliveries.newsletterId, id), eq(newsletterDeliveries.supporterId, flaky!.id)));
    });
    await waitForStatus(app.ctx.db, id, 'sent');
    const before = await deliveriesOf(app.ctx.db, id);
    expect(before.get(flaky!.id)).toMatchObject({ status: 'failed', attempts: 5 });
    expect(before.get(flaky!.id)!.reason).toContain('450 4.2.1 Mailbox busy');
    expect(before.get(refused!.id)).toMatchObject({ status: 'failed' });
    expect((await supporterRow(flaky!.id)).emailBouncedAt).toBeNull();

    serverBusy = false;
    expect(await app.ctx.db.transaction((tx) => resendFailed(tx, id))).toBe(1);
    await waitForStatus(app.ctx.db, id, 'sent');
    const after = await deliveriesOf(app.ctx.db, id);
    expect(after.get(flaky!.id)).toMatchObject({ status: 'sent', attempts: 0 });
    expect(after.get(refused!.id)).toMatchObject({ status: 'failed' });
    expect(receivedBy(fine!.email)).toHaveLength(1);
    expect(receivedBy(flaky!.email)).toHaveLength(1);
    expect(receivedBy(refused!.email)).toHaveLength(0);
    expect(await app.ctx.db.transaction((tx) => resendFailed(tx, id))).toBe(0);
  });
  test('when many lanes record their sent rows at once, then each learns of its row only once the row is sent, and no row is left behind', async () => {
    await insertSupporters(app.ctx.db, { count: 40, tag: 'marks' });
    const id = await createNewsletter(app.ctx.db, { tag: 'marks' });
    // Rows as a worker holds them mid-send, without a worker picking them up.
    const people = await app.ctx.db
      .select({ id: supporters.id, email: supporters.email, locale: supporters.locale })
      .from(supporters)
      .innerJoin(supporterTags, and(eq(supporterTags.supporterId, supporters.id), eq(supporterTags.tag, 'marks')));
    await app.ctx.db
      .insert(newsletterDeliveries)
      .values(people.map((p) => ({ newsletterId: id, supporterId: p.id, email: p.email, locale: p.locale, status: 'sending' as const })));
    const rows = await app.ctx.db.select({ id: newsletterDeliveries.id }).from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, id));
    expect(rows).toHaveLength(40);
    const marks = createSentMarks(app.ctx.db);
    const seen = await Promise.all(
      rows.map(async ({ id: rowId }) => {
        await marks.mark(rowId);
        const [row] = await app.ctx.db.select({ status: newsletterDeliveries.status }).from(newsletterDeliveries).where(eq(newsletterDeliveries.id, rowId));
        return row!.status;
      }),
    );
    expect(seen.every((status) => status === 'sent')).toBe(true);
  });

  test('when two worker processes share the pace, then every message gets its own slot on one schedule, spaced at the setting, and waits for it', async () => {
    const key = `${app.config.queuePrefix}:pace-test`;
    const connections = [connectRedis(app.ctx.redisUrl), connectRedis(app.ctx.redisUrl)];
    const interval = Math.round(1_000_000 / 30);
    const redisNow = async (redis: (typeof connections)[number]) => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1_000_000 + Number(micros);
    };
    try {
      // Two "processes", five lanes each, 60 messages in all at 30 a second.
      const taken: number[] = [];
      await Promise.all(
        connections.map(async (redis) => {
          const rate = createSendRate(redis, key);
          await Promise.all(
            Array.from({ length: 5 }, async () => {
              for (let i = 0; i < 6; i++) {
                const slot = await rate.take(30);
                // A lane goes on only once its slot has come (Redis's clock; 2 ms for timer rounding).
                expect(await redisNow(redis)).toBeGreaterThanOrEqual(slot - 2000);
                taken.push(slot);
              }
            }),
          );
        }),
      );
      const slots = [...taken].sort((a, b) => a - b);
      expect(new Set(slots).size).toBe(60);
      for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(interval);
    } finally {
      for (const c of connections) c.disconnect();
    }
  });
});

describe('the unsubscribe link', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  const urlOf = (id: string) => unsubscribeUrl(app.config.publicUrl, app.ctx.sessionSecret, id);
  const stateOf = async (id: string) => {
    const [s] = await app.ctx.db.select({ newsletter: supporters.newsletter }).from(supporters).where(eq(supporters.id, id));
    const events = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, id));
    return { newsletter: s!.newsletter, events: events.length };
  };

  test('when the link is opened, then a page with a button is shown in the supporter’s language and nothing changes', async () => {
    const people = await insertSupporters(app.ctx.db, { count: 3, tag: 'open-link' });
    const ja = people.find((p) => p.locale === 'ja');
    const en = people.find((p) => p.locale === 'en');
    const jaPage = await fetch(urlOf(ja!.id));
    expect(jaPage.status).toBe(200);
    const jaHtml = decode(await jaPage.text());
    expect(jaHtml).toContain('配信を停止する');
    expect(jaHtml).toContain(`action="/unsubscribe/${unsubscribeToken(app.ctx.sessionSecret, ja!.id)}"`);
    expect(jaPage.headers.get('cache-control')).toBe('no-store');

    const enHtml = decode(await (await fetch(urlOf(en!.id))).text());
    expect(enHtml).toContain('Unsubscribe?');
    expect(enHtml).toContain('<html lang="en">');
    expect(await stateOf(ja!.id)).toEqual({ newsletter: true, events: 0 });
    expect(await stateOf(en!.id)).toEqual({ newsletter: true, events: 0 });
  });

  test('when the button or a mail client posts without cookies, then the supporter is unsubscribed once with a consent event', async () => {
    const [person] = await insertSupporters(app.ctx.db, { count: 1, tag: 'one-click' });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(urlOf(person!.id), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      const html = decode(await res.text());
      expect(html).toContain(i === 0 ? '配信を停止しました' : '配信は停止されています');
      expect(html).toContain('href="/me"');
    }
    expect(await stateOf(person!.id)).toEqual({ newsletter: false, events: 1 });
    const [event] = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, person!.id));
    expect(event).toMatchObject({ purpose: 'newsletter', granted: false, source: 'unsubscribe_link', text: 'メールマガジン「WELgeeファミリー通信」の配信を停止します。' });
    // Opening the link afterwards says so, without a button.
    const again = decode(await (await fetch(urlOf(person!.id))).text());
    expect(again).toContain('配信は停止されています');
    expect(again).not.toContain('<form');
  });

  test('when the token is forged or malformed, then GET and POST answer 404 and nothing changes', async () => {
    const [person] = await insertSupporters(app.ctx.db, { count: 1, tag: 'forged' });
    const good = unsubscribeToken(app.ctx.sessionSecret, person!.id);
    const forged = [
      `${person!.id}.${'A'.repeat(32)}`,
      unsubscribeToken('another-secret-that-is-long-enough', person!.id),
      `${good}x`,
      'not-a-token',
      `${crypto.randomUUID()}.${good.split('.')[1]}`,
    ];
    for (const token of forged) {
      const get = await fetch(`${app.url}/unsubscribe/${encodeURIComponent(token)}`);
      expect({ token, status: get.status }).toEqual({ token, status: 404 });
      expect(decode(await get.text())).toContain('このリンクは使えません');
      const post = await fetch(`${app.url}/unsubscribe/${encodeURIComponent(token)}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect({ token, status: post.status }).toEqual({ token, status: 404 });
    }
    expect(await stateOf(person!.id)).toEqual({ newsletter: true, events: 0 });
  });
});
