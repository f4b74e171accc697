import crypto from 'node:crypto';
import { and, eq, inArray, like } from 'drizzle-orm';
import { runJob } from '../../jobs/worker';
import { parseMail } from '../../src/dev/mail-sink';
import { emails, newsletterDeliveries, newsletters, outbox, staff, supporters } from '../../src/db/schema';
import { reminderSlot } from '../../src/features/newsletters/rhythm';
import { createStaff, type Role } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

describe('the monthly rhythm job (start-due-newsletters)', () => {
  let app: TestApp;

  async function addSupporter(newsletter: boolean) {
    const email = `reader-${crypto.randomBytes(4).toString('hex')}@example.org`;
    const [row] = await app.ctx.db
      .insert(supporters)
      .values({ email, emailNormalized: email, familyName: '読者', givenName: 'テスト', status: 'one_time', newsletter })
      .returning();
    return row!;
  }

  async function addNewsletter(values: Partial<typeof newsletters.$inferInsert>) {
    const [row] = await app.ctx.db
      .insert(newsletters)
      .values({ subjectJa: '今月のWELgee', bodyJa: '本文です。', ...values })
      .returning();
    return row!;
  }

  async function addStaff(role: Role, isActive = true) {
    const email = `${role}-${crypto.randomBytes(4).toString('hex')}@welgee.example`;
    const member = await createStaff(app.ctx.db, { email, name: `${role}担当`, role, password: 'correct horse battery staple' });
    if (!isActive) await app.ctx.db.update(staff).set({ isActive: false }).where(eq(staff.id, member.id));
    return { id: member.id, email };
  }

  const reminderEmails = () => app.ctx.db.select().from(emails).where(eq(emails.template, 'newsletter-reminder'));

  beforeAll(async () => {
    // No BullMQ worker: the test runs the job itself, so the every-minute schedule cannot race it.
    app = await startTestApp({ worker: false });
    // Reminders off while the starting of due issues is tested.
    await app.ctx.settings.update('newsletter', { issueDay: '15', issueTime: '10:00', reminderDaysBefore: '0', messagesPerSecond: '20' });
  });
  afterAll(() => app.stop());

  test('when a scheduled newsletter is due, then the job starts it: status sending, one delivery per consenting reader, a send job; one in the future is left alone', async () => {
    const readers = [await addSupporter(true), await addSupporter(true)];
    const notReader = await addSupporter(false);
    const due = await addNewsletter({ status: 'scheduled', scheduledAt: minutes(-1) });
    const later = await addNewsletter({ status: 'scheduled', scheduledAt: minutes(60) });

    await runJob('start-due-newsletters', {}, app.ctx);

    const [started] = await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, due.id));
    expect(started!.status).toBe('sending');
    expect(started!.startedAt).not.toBeNull();
    expect(started!.sentBy).toBeNull();
    const deliveries = await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, due.id));
    expect(deliveries.map((d) => d.supporterId).sort()).toEqual(readers.map((r) => r.id).sort());
    expect(deliveries.map((d) => d.supporterId)).not.toContain(notReader.id);
    expect(deliveries.every((d) => d.status === 'queued')).toBe(true);
    const jobs = await app.ctx.db.select().from(outbox).where(eq(outbox.jobName, 'send-newsletter'));
    expect(jobs.map((j) => j.payload)).toContainEqual({ newsletterId: due.id });

    const [untouched] = await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, later.id));
    expect(untouched!.status).toBe('scheduled');
    expect(await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, later.id))).toHaveLength(0);

    // A second run (or a second worker) starts nothing twice.
    const count = deliveries.length;
    await runJob('start-due-newsletters', {}, app.ctx);
    expect(await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, due.id))).toHaveLength(count);
    expect(
      (await app.ctx.db.select().from(outbox).where(eq(outbox.jobName, 'send-newsletter'))).filter((j) => (j.payload as { newsletterId: string }).newsletterId === due.id),
    ).toHaveLength(1);
  });

  test('when the month’s issue is near and not scheduled, then staff and admins (not finance, not inactive staff) get one reminder, and none while the month has an issue', async () => {
    const admin = await addStaff('admin');
    const writer = await addStaff('staff');
    const finance = await addStaff('finance');
    const former = await addStaff('staff', false);

    // A rhythm whose next slot is a day or two away, whatever day the test runs on.
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', day: 'numeric' }).format(minutes(24 * 60));
    const rhythm = { issueDay: Number(tomorrow) <= 28 ? tomorrow : '1', issueTime: '23:59', reminderDaysBefore: '5', messagesPerSecond: '20' };
    await app.ctx.settings.update('newsletter', rhythm);
    const slot = reminderSlot(rhythm, new Date())!;
    expect(slot).toBeDefined();

    // The month already has a scheduled issue: nobody is reminded.
    const issue = await addNewsletter({ issueMonth: slot.month, status: 'scheduled', scheduledAt: slot.at });
    await runJob('start-due-newsletters', {}, app.ctx);
    expect(await reminderEmails()).toHaveLength(0);

    // Back to a draft (the schedule was cancelled): a draft is not an issue yet, so reminders go out, once.
    await app.ctx.db.update(newsletters).set({ status: 'draft', scheduledAt: null }).where(eq(newsletters.id, issue.id));
    await runJob('start-due-newsletters', {}, app.ctx);
    await runJob('start-due-newsletters', {}, app.ctx);

    const sent = await reminderEmails();
    expect(sent.map((e) => e.toAddress).sort()).toEqual([admin.email, writer.email].sort());
    expect(sent.map((e) => e.dedupeKey).sort()).toEqual([`newsletter-reminder:${slot.month}:${admin.id}`, `newsletter-reminder:${slot.month}:${writer.id}`].sort());
    expect(sent.every((e) => e.locale === 'ja')).toBe(true);
    expect(sent.map((e) => e.toAddress)).not.toContain(finance.email);
    expect(sent.map((e) => e.toAddress)).not.toContain(former.email);
    const jobs = await app.ctx.db.select().from(outbox).where(eq(outbox.jobName, 'send-email'));
    for (const email of sent) expect(jobs.map((j) => j.payload)).toContainEqual({ emailId: email.id });

    // The send-email job delivers it over SMTP, in Japanese, with the slot and the console link.
    const before = app.mail.messages.length;
    await runJob('send-email', { emailId: sent.find((e) => e.toAddress === writer.email)!.id }, app.ctx);
    const message = app.mail.messages.slice(before).find((m) => m.envelopeTo.includes(writer.email))!;
    const mail = await parseMail(message.raw);
    const [year, month] = slot.month.split('-').map(Number);
    expect(mail.subject).toBe(`【要確認】WELgeeファミリー通信 ${year}年${month}月号がまだ予約されていません`);
    expect(mail.text).toContain('staff担当さん');
    expect(mail.text).toContain('23:59（日本時間）');
    expect(mail.text).toContain(`${app.url}/admin/newsletters`);
    expect(mail.text).toContain('送信日の5日前');
  });

  test('when the month’s issue is sending, paused or sent, then no reminder is written for it', async () => {
    const rhythm = (await app.ctx.settings.get()).newsletter;
    const slot = reminderSlot(rhythm, new Date())!;
    await addStaff('staff');
    for (const status of ['sending', 'paused', 'sent'] as const) {
      await app.ctx.db.update(newsletters).set({ status }).where(eq(newsletters.issueMonth, slot.month));
      const before = (await reminderEmails()).length;
      await runJob('start-due-newsletters', {}, app.ctx);
      expect(await reminderEmails()).toHaveLength(before);
    }
    const keys = await app.ctx.db
      .select()
      .from(emails)
      .where(and(eq(emails.template, 'newsletter-reminder'), like(emails.dedupeKey, `newsletter-reminder:${slot.month}:%`)));
    expect(keys).toHaveLength(2);
    expect(
      await app.ctx.db
        .select()
        .from(newsletters)
        .where(and(eq(newsletters.issueMonth, slot.month), inArray(newsletters.status, ['sent']))),
    ).toHaveLength(1);
  });
});
