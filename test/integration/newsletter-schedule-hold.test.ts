import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { runJob } from '../../jobs/worker';
import { auditLog, newsletterDeliveries, newsletters, outbox, supporterTags, supporters } from '../../src/db/schema';
import { tokyoParts } from '../../src/features/newsletters/newsletters.schemas';
import { setClock } from '../../src/lib/clock';
import { startTestApp, TEST_ADDRESS, type TestApp } from '../helpers/app';
import { unescapeHtml, type Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

// A scheduled issue fires through the real `start-due-newsletters` job: without the sender's postal
// address it is held (never sent), and the public archive choice made with the schedule is applied.
describe('scheduled newsletters: held without a postal address, archive choice kept with the schedule', () => {
  let app: TestApp;
  let admin: Visitor;

  async function addReader(tag?: string) {
    const email = `reader-${crypto.randomBytes(4).toString('hex')}@example.org`;
    const [row] = await app.ctx.db
      .insert(supporters)
      .values({ email, emailNormalized: email, familyName: '読者', givenName: 'テスト', status: 'one_time', newsletter: true })
      .returning();
    if (tag) await app.ctx.db.insert(supporterTags).values({ supporterId: row!.id, tag });
    return row!;
  }

  async function addDraft(audience: typeof newsletters.$inferInsert.audience = { segment: 'all' }) {
    const [row] = await app.ctx.db.insert(newsletters).values({ subjectJa: '予約した号', bodyJa: '本文です。', audience }).returning();
    return row!;
  }

  const issue = async (id: string) => (await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, id)))[0]!;
  const sendJobs = async (id: string) =>
    (await app.ctx.db.select().from(outbox).where(eq(outbox.jobName, 'send-newsletter'))).filter((j) => (j.payload as { newsletterId: string }).newsletterId === id);

  /** Schedules the issue through its page for tomorrow 10:00 in Japan; `publicArchive` ticks or leaves the box. */
  async function schedule(id: string, publicArchive: boolean) {
    const _csrf = await admin.csrf(`/admin/newsletters/${id}`);
    const day = tokyoParts(new Date(Date.now() + 86_400_000)).day;
    const res = await admin.post(`/admin/newsletters/${id}/schedule`, { _csrf, send_on: day, send_at: '10:00', public_archive: publicArchive ? 'on' : undefined });
    expect(res.res.status).toBe(303);
    return (await issue(id)).scheduledAt!;
  }

  /** Runs the job as the worker does, a minute after the issue's time. */
  async function fireAfter(at: Date) {
    setClock(new Date(at.getTime() + 60_000));
    try {
      await runJob('start-due-newsletters', {}, app.ctx);
    } finally {
      setClock();
    }
  }

  async function setAddress(ja: string, en: string) {
    const { organisation } = await app.ctx.settings.get();
    await app.ctx.settings.update('organisation', { ...organisation, address: { ja, en } });
  }

  beforeAll(async () => {
    // No BullMQ worker: the test runs the job itself, so the every-minute schedule cannot race it.
    app = await startTestApp({ worker: false });
    ({ visitor: admin } = await signInAs(app, 'admin'));
    await app.ctx.settings.update('newsletter', { issueDay: '15', issueTime: '10:00', reminderDaysBefore: '0', messagesPerSecond: '20' });
    await addReader();
  });
  afterEach(() => setAddress(TEST_ADDRESS.ja, TEST_ADDRESS.en));
  afterAll(() => app.stop());

  test('when a scheduled issue fires after the postal address was cleared, then it is held, not sent, and staff see why with a link to settings', async () => {
    const draft = await addDraft();
    const at = await schedule(draft.id, true);
    await setAddress('', '');

    await fireAfter(at);
    await fireAfter(at); // the next minute holds it still, and sends nothing

    const held = await issue(draft.id);
    expect(held.status).toBe('held');
    expect(held.startedAt).toBeNull();
    expect(await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, draft.id))).toHaveLength(0);
    expect(await sendJobs(draft.id)).toHaveLength(0);
    const audits = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, draft.id), eq(auditLog.action, 'newsletter.hold')));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.staffId).toBeNull();

    const page = unescapeHtml((await admin.get(`/admin/newsletters/${draft.id}`)).html);
    expect(page).toContain('保留中');
    expect(page).toMatch(
      /<div class="error-summary" role="alert" id="held" data-held>[\s\S]*所在地が設定されていなかったため、送信を保留しました。[\s\S]*href="\/admin\/settings#f-organisation-address-ja"/,
    );
    const en = unescapeHtml((await admin.get(`/admin/newsletters/${draft.id}?lang=en`)).html);
    expect(en).toContain('so sending was held');
    await admin.get(`/admin/newsletters/${draft.id}?lang=ja`);
    const list = unescapeHtml((await admin.get('/admin/newsletters')).html);
    expect(list).toContain('保留中');

    // Sending by hand is refused too while the address is missing.
    const _csrf = await admin.csrf(`/admin/newsletters/${draft.id}/send`);
    expect((await admin.post(`/admin/newsletters/${draft.id}/send`, { _csrf, confirm: 'on', public_archive: 'on' })).res.status).toBe(409);
    expect((await issue(draft.id)).status).toBe('held');
  });

  test('when the address is back, then the held issue can be sent from its page; it can also go back to draft', async () => {
    const draft = await addDraft();
    const at = await schedule(draft.id, true);
    await setAddress('', '');
    await fireAfter(at);
    expect((await issue(draft.id)).status).toBe('held');

    await setAddress(TEST_ADDRESS.ja, TEST_ADDRESS.en);
    const page = unescapeHtml((await admin.get(`/admin/newsletters/${draft.id}`)).html);
    expect(page).toContain('所在地が設定されました。今すぐ送るか、日時を予約し直してください。');
    expect(page).toContain(`href="/admin/newsletters/${draft.id}/send"`);

    const _csrf = await admin.csrf(`/admin/newsletters/${draft.id}/send`);
    const sent = await admin.post(`/admin/newsletters/${draft.id}/send`, { _csrf, confirm: 'on', public_archive: 'on' });
    expect(sent.res.status).toBe(303);
    expect((await issue(draft.id)).status).toBe('sending');
    expect(await sendJobs(draft.id)).toHaveLength(1);

    const other = await addDraft();
    const otherAt = await schedule(other.id, true);
    await setAddress('', '');
    await fireAfter(otherAt);
    const back = await admin.post(`/admin/newsletters/${other.id}/schedule/cancel`, { _csrf: await admin.csrf(`/admin/newsletters/${other.id}`) });
    expect(back.res.status).toBe(303);
    expect(await issue(other.id)).toMatchObject({ status: 'draft', scheduledAt: null });
  });

  test('when the schedule form opens, then its archive box is ticked for an issue to everyone and not for a tag', async () => {
    const toAll = await addDraft();
    const toTag = await addDraft({ segment: 'tag', tag: '企業' });
    const box = (html: string) => /<input type="checkbox" id="schedule_public_archive" name="public_archive" value="on"( checked)?/.exec(html);
    const all = (await admin.get(`/admin/newsletters/${toAll.id}`)).html;
    expect(box(all)?.[1]).toBe(' checked');
    expect(unescapeHtml(all)).toContain('公開アーカイブに掲載する');
    expect(box((await admin.get(`/admin/newsletters/${toTag.id}`)).html)?.[1]).toBeUndefined();
  });

  test('when staff tick or untick the archive box on the schedule form, then the choice is stored and applied when the issue fires', async () => {
    await addReader('企業');
    const toTag = await addDraft({ segment: 'tag', tag: '企業' });
    const toAll = await addDraft();
    const tagAt = await schedule(toTag.id, true);
    const allAt = await schedule(toAll.id, false);
    expect((await issue(toTag.id)).archiveOnSend).toBe(true);
    expect((await issue(toAll.id)).archiveOnSend).toBe(false);
    // The form shows the stored choice when it opens again.
    expect((await admin.get(`/admin/newsletters/${toAll.id}`)).html).not.toMatch(/id="schedule_public_archive"[^>]* checked/);

    await fireAfter(new Date(Math.max(tagAt.getTime(), allAt.getTime())));

    expect(await issue(toTag.id)).toMatchObject({ status: 'sending', hiddenFromArchive: false });
    expect(await issue(toAll.id)).toMatchObject({ status: 'sending', hiddenFromArchive: true });
  });

  test('when the schedule form is posted with a bad day, then it comes back with the message and the archive box as posted', async () => {
    const draft = await addDraft();
    const _csrf = await admin.csrf(`/admin/newsletters/${draft.id}`);
    const bad = await admin.post(`/admin/newsletters/${draft.id}/schedule`, { _csrf, send_on: 'yesterday', send_at: '10:00' });
    expect(bad.res.status).toBe(422);
    expect(bad.html).not.toMatch(/id="schedule_public_archive"[^>]* checked/);
    expect(await issue(draft.id)).toMatchObject({ status: 'draft', archiveOnSend: null });
  });
});
