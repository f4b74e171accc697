import { and, eq } from 'drizzle-orm';
import { auditLog, newsletters, supporters, supporterTags } from '../../src/db/schema';
import { previewAudience, startSending } from '../../src/features/newsletters';
import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// The send page's archive choice, the public archive that follows it, and the tag picker's counts.
// No worker runs: a started send stays queued.

describe('newsletter audience and archive choice', () => {
  let app: TestApp;
  let staff: Visitor;
  let token: string;
  const tag = `支援企業-${Date.now()}`;
  const other = `ボランティア-${Date.now()}`;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: staff } = await signInAs(app, 'staff'));
    token = await adminToken(staff);
    const person = (key: string, values: Partial<typeof supporters.$inferInsert> = {}) => {
      const email = `${key}-${Date.now()}@example.jp`;
      return { email, emailNormalized: email, familyName: '試験', givenName: key, status: 'one_time' as const, newsletter: true, ...values };
    };
    const rows = await app.ctx.db
      .insert(supporters)
      .values([
        person('reader-1'),
        person('reader-2', { locale: 'en' }),
        person('no-consent', { newsletter: false }),
        person('bounced', { emailBouncedAt: new Date(), emailBounceReason: '550' }),
        person('erased', { erasedAt: new Date() }),
        // A prospect who only ticked the box on an unpaid form has not consented (see audience.ts).
        person('prospect', { status: 'prospect' }),
        person('volunteer'),
      ])
      .returning({ id: supporters.id, givenName: supporters.givenName });
    await app.ctx.db
      .insert(supporterTags)
      .values([
        ...rows.filter((r) => r.givenName !== 'volunteer').map((r) => ({ supporterId: r.id, tag })),
        ...rows.filter((r) => r.givenName === 'volunteer' || r.givenName === 'reader-1').map((r) => ({ supporterId: r.id, tag: other })),
      ]);
  });
  afterAll(() => app.stop());

  async function create(fields: Record<string, string>): Promise<string> {
    const body = { _csrf: token, subject_ja: `号 ${Math.random()}`, body_ja: '本文です。', subject_en: '', body_en: '', issue_month: '', ...fields };
    const { res, location, html } = await staff.post('/admin/newsletters', body);
    if (res.status !== 303) throw new Error(`create answered ${res.status}: ${html.slice(0, 300)}`);
    return /\/admin\/newsletters\/([0-9a-f-]{36})\?created=1$/.exec(location!)![1]!;
  }
  const row = async (id: string) => (await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, id)))[0]!;
  const archiveBox = (html: string) => /<input type="checkbox" id="public_archive"[^>]*>/.exec(html)?.[0] ?? '';
  const markSent = (id: string) => app.ctx.db.update(newsletters).set({ status: 'sent', finishedAt: new Date() }).where(eq(newsletters.id, id));

  test('when staff open the send page, then the archive box is ticked for an issue to everyone and unticked for a tag', async () => {
    const toAll = await create({ segment: 'all' });
    const toTag = await create({ segment: 'tag', tag });
    const all = await staff.get(`/admin/newsletters/${toAll}/send`);
    const byTag = await staff.get(`/admin/newsletters/${toTag}/send`);
    expect(all.html).toContain('公開アーカイブに掲載する');
    expect(archiveBox(all.html)).toContain(' checked');
    expect(archiveBox(byTag.html)).not.toContain(' checked');
    // The label is tied to the box (a screen reader names it) and its hint explains the default.
    expect(all.html).toMatch(/<label class="check"><input type="checkbox" id="public_archive"/);
    expect(byTag.html).toContain('一部の読者だけに送る号なので');
    // A refused send (box not ticked) keeps the archive choice as it was posted.
    const refused = await staff.post(`/admin/newsletters/${toTag}/send`, { _csrf: token, public_archive: 'on' });
    expect(refused.res.status).toBe(422);
    expect(archiveBox(refused.html)).toContain(' checked');
    expect((await row(toTag)).status).toBe('draft');
  });

  test('when issues are sent with and without the archive choice, then /family/news lists only the public ones and staff can change it afterwards', async () => {
    const publicAll = await create({ segment: 'all', subject_ja: '全員に送った公開号' });
    const privateAll = await create({ segment: 'all', subject_ja: '全員に送った非公開号' });
    const publicTag = await create({ segment: 'tag', tag, subject_ja: 'タグに送った公開号' });
    const privateTag = await create({ segment: 'tag', tag, subject_ja: 'タグに送った非公開号' });
    const send = (id: string, isPublic: boolean) => staff.post(`/admin/newsletters/${id}/send`, { _csrf: token, confirm: 'on', ...(isPublic ? { public_archive: 'on' } : {}) });
    for (const [id, isPublic] of [
      [publicAll, true],
      [privateAll, false],
      [publicTag, true],
      [privateTag, false],
    ] as const) {
      expect((await send(id, isPublic)).res.status).toBe(303);
      expect((await row(id)).hiddenFromArchive).toBe(!isPublic);
      await markSent(id);
    }
    const visitor = Visitor.of(app);
    const list = unescapeHtml((await visitor.get('/family/news')).html);
    expect(list).toContain('全員に送った公開号');
    expect(list).toContain('タグに送った公開号');
    expect(list).not.toContain('全員に送った非公開号');
    expect(list).not.toContain('タグに送った非公開号');
    expect((await visitor.get(`/family/news/${privateTag}`)).res.status).toBe(404);
    expect((await visitor.get(`/family/news/${publicTag}`)).res.status).toBe(200);

    // Changed after sending, and audited.
    expect((await staff.post(`/admin/newsletters/${privateTag}/archive`, { _csrf: token, hidden: '0' })).res.status).toBe(303);
    expect((await visitor.get(`/family/news/${privateTag}`)).res.status).toBe(200);
    const audits = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'newsletter.archive_show'), eq(auditLog.targetId, privateTag)));
    expect(audits).toHaveLength(1);
  });

  test('when a send starts without a choice (the monthly rhythm), then only an issue to everyone goes to the archive', async () => {
    const toAll = await create({ segment: 'all' });
    const toTag = await create({ segment: 'tag', tag });
    for (const id of [toAll, toTag]) await app.ctx.db.transaction((tx) => startSending(tx, id, null));
    expect((await row(toAll)).hiddenFromArchive).toBe(false);
    expect((await row(toTag)).hiddenFromArchive).toBe(true);
  });

  test('when staff choose a tag audience, then the picker lists every tag with the count a send would reach, equal to a recount', async () => {
    const page = await staff.get('/admin/newsletters/new');
    expect(page.res.status).toBe(200);
    // A labelled select, not a free-text box.
    expect(page.html).toMatch(/<label for="tag"[^>]*>タグを選ぶ<\/label>/);
    expect(page.html).toMatch(/<select id="tag" name="tag"/);
    expect(page.html).not.toMatch(/<input id="tag"/);
    const options = [...page.html.matchAll(/<option value="([^"]+)"(?: selected)? data-count="(\d+)">([^<]*)<\/option>/g)].map((m) => ({
      tag: unescapeHtml(m[1]!),
      count: Number(m[2]),
      label: unescapeHtml(m[3]!),
    }));
    const mine = options.filter((o) => o.tag === tag || o.tag === other);
    expect(mine).toHaveLength(2);
    expect(mine).toEqual(
      expect.arrayContaining([
        { tag, count: 2, label: `${tag}（2人）` },
        { tag: other, count: 2, label: `${other}（2人）` },
      ]),
    );
    // Every option's count is what the send itself would count.
    for (const o of options) expect({ tag: o.tag, count: (await previewAudience(app.ctx.db, { segment: 'tag', tag: o.tag }, 0)).count }).toEqual({ tag: o.tag, count: o.count });
  });

  test('when a draft chose a tag nobody carries any more, then its form still offers that tag with 0 and the send page finds nobody', async () => {
    const id = await create({ segment: 'tag', tag: '昔のタグ' });
    const edit = await staff.get(`/admin/newsletters/${id}/edit`);
    expect(unescapeHtml(edit.html)).toContain('<option value="昔のタグ" selected data-count="0">昔のタグ（0人）</option>');
    // Nobody to send to: the confirmation says so and offers to change the audience.
    const confirm = await staff.get(`/admin/newsletters/${id}/send`);
    expect(confirm.html).toContain('data-confirm-count="0"');
  });
});
