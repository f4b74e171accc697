import { and, eq } from 'drizzle-orm';
import { auditLog, settings } from '../../src/db/schema';
import { recordAudit } from '../../src/features/audit';
import { tokyoDay } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

/** Every field of the settings form with the value it holds, as a browser would submit it. */
function formFields(html: string): Record<string, string> {
  const form = /<form method="post" action="\/admin\/settings"[\s\S]*?<\/form>/.exec(html)![0];
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input ([^>]*)>/g)) {
    const attrs = m[1]!;
    const name = /name="([^"]+)"/.exec(attrs)?.[1];
    if (!name) continue;
    const value = unescapeHtml(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
    if (/type="checkbox"/.test(attrs)) {
      if (/\schecked/.test(attrs)) fields[name] = value;
    } else {
      fields[name] = value;
    }
  }
  for (const m of form.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[m[1]!] = unescapeHtml(m[2]!);
  return fields;
}

const storedSettings = async (app: TestApp) => JSON.stringify((await app.ctx.db.select().from(settings)).map((r) => [r.key, r.value, r.updatedAt]).sort());

describe('settings, audit log and jobs in the staff console', () => {
  let app: TestApp;
  let admin: Visitor;
  let adminId: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: admin, id: adminId } = await signInAs(app, 'admin'));
  });
  afterAll(() => app.stop());

  async function submit(change: (fields: Record<string, string | string[]>) => void) {
    const page = await admin.get('/admin/settings');
    expect(page.res.status).toBe(200);
    const fields: Record<string, string | string[]> = formFields(page.html);
    change(fields);
    return admin.post('/admin/settings', fields);
  }

  test('when an admin edits texts in Japanese and English, then /family shows them at once and the audit log names the sections', async () => {
    const { res, location } = await submit((f) => {
      f['familyPage.headline.ja'] = 'いっしょに未来をつくりませんか?';
      f['familyPage.headline.en'] = 'Build the future with us';
      f['familyPage.faq.0.question.ja'] = '寄付はいつ引き落とされますか?';
      f['familyPage.faq.0.question.en'] = 'When is my gift charged?';
      f['familyPage.faq.0.answer.ja'] = '毎月、最初にご寄付いただいた日と同じ日です。\n月末の場合は月の最終日です。';
      f['familyPage.faq.0.answer.en'] = 'Every month on the day you first gave.';
      f['familyPage.plans.0.description.en'] = '¥1,000 a month walks with one person to an interview.';
      // The empty slot at the end adds a question.
      const slot = Object.keys(f).filter((k) => /^familyPage\.faq\.\d+\.question\.ja$/.test(k)).length - 1;
      f[`familyPage.faq.${slot}.question.ja`] = '領収書は届きますか?';
      f[`familyPage.faq.${slot}.answer.ja`] = 'はい、メールでお送りします。';
      f['organisation.legalName.ja'] = '特定非営利活動法人WELgee(テスト)';
      f['organisation.address.ja'] = '東京都千代田区1-2-3';
      f['familyPage.facebookGroupUrl'] = 'https://www.facebook.com/groups/welgee-test';
    });
    expect(res.status).toBe(303);
    expect(location).toBe('/admin/settings?saved=organisation%2CfamilyPage');
    const after = await admin.get(location!);
    expect(after.html).toContain('保存しました（団体情報、WELgeeファミリーのページ）');

    const ja = await Visitor.of(app).get('/family');
    expect(unescapeHtml(ja.html)).toContain('いっしょに未来をつくりませんか?');
    expect(unescapeHtml(ja.html)).toContain('寄付はいつ引き落とされますか?');
    expect(unescapeHtml(ja.html)).toContain('領収書は届きますか?');
    expect(unescapeHtml(ja.html)).toContain('特定非営利活動法人WELgee(テスト)');
    expect(unescapeHtml(ja.html)).toContain('東京都千代田区1-2-3');
    const en = await Visitor.of(app).get('/family?lang=en');
    expect(unescapeHtml(en.html)).toContain('Build the future with us');
    expect(unescapeHtml(en.html)).toContain('When is my gift charged?');
    expect(unescapeHtml(en.html)).toContain('¥1,000 a month walks with one person to an interview.');
    // An English text left empty falls back to Japanese.
    expect(unescapeHtml(en.html)).toContain('領収書は届きますか?');

    const stored = await app.ctx.settings.get();
    expect(stored.familyPage.faq).toHaveLength(6);
    expect(stored.familyPage.faq[0]!.answer.ja).toBe('毎月、最初にご寄付いただいた日と同じ日です。\n月末の場合は月の最終日です。');
    expect(stored.familyPage.plans.map((p) => p.amount)).toEqual([1000, 5000, 10000]);
    // Settings the form does not show are kept.
    expect(stored.organisation.impact.figures).toHaveLength(3);

    const entries = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'settings.edit'), eq(auditLog.staffId, adminId)));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.detail).toEqual({ sections: ['organisation', 'familyPage'] });
  });

  test('when the form is saved unchanged, then nothing is written and nothing is audited', async () => {
    const before = await storedSettings(app);
    const audits = (await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'settings.edit'))).length;
    const { res, location } = await submit(() => undefined);
    expect(res.status).toBe(303);
    expect(location).toBe('/admin/settings?saved=');
    expect(await storedSettings(app)).toBe(before);
    expect((await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'settings.edit'))).length).toBe(audits);
    expect((await admin.get(location!)).html).toContain('変更はありませんでした。');
  });

  test('when an item is cleared and the security switch turned on and off, then the item goes and the switch is stored', async () => {
    const { res } = await submit((f) => {
      for (const key of Object.keys(f).filter((k) => k.startsWith('familyPage.faq.5.'))) f[key] = '';
      f['security.requireTotpForAdmins'] = 'on';
    });
    expect(res.status).toBe(303);
    expect((await app.ctx.settings.get()).familyPage.faq).toHaveLength(5);
    expect((await app.ctx.settings.get()).security.requireTotpForAdmins).toBe(true);
    await app.ctx.settings.update('security', { requireTotpForAdmins: false });
  });

  test('when several fields are wrong, then the shared summary lists them in form order, each naming and linking to its field', async () => {
    const { res, html } = await submit((f) => {
      f['newsletter.issueTime'] = '10:60';
      f['organisation.contactEmail'] = 'family@';
      f['familyPage.headline.ja'] = 'x'.repeat(200);
    });
    expect(res.status).toBe(422);
    const summary = /<div class="error-summary"[^>]*data-error-summary[\s\S]*?<\/div>/.exec(unescapeHtml(html))?.[0] ?? '';
    expect(summary).toContain('何も保存されていません。');
    const links = [...summary.matchAll(/<a href="#([^"]+)">([^<]*)<\/a>/g)].map((m) => m[1]);
    expect(links).toEqual(['f-organisation-contactEmail', 'f-familyPage-headline-ja', 'f-newsletter-issueTime']);
    for (const id of links) expect(html).toContain(`id="${id}"`);
  });

  const badValues: [string, (f: Record<string, string | string[]>) => void, string][] = [
    ['a repeated field (wrong type)', (f) => (f['organisation.name.ja'] = ['WELgee', 'Other']), '値の形式が正しくありません'],
    ['a missing field', (f) => delete f['receipt.taxNote.ja'], '項目が送信されていません'],
    ['a huge string', (f) => (f['familyPage.headline.ja'] = 'x'.repeat(20_000)), '150文字以内'],
    ['a control character', (f) => (f['organisation.name.en'] = 'WEL\u0007gee'), '使えない文字'],
    ['a bidirectional override', (f) => (f['email.footer.ja'] = 'abc\u202Edef'), '使えない文字'],
    ['a line break in a one-line field', (f) => (f['organisation.representative.ja'] = '代表\n理事'), '使えない文字'],
    ['a javascript: URL', (f) => (f['familyPage.facebookGroupUrl'] = 'javascript:alert(1)'), 'http:// または https://'],
    ['a URL with markup', (f) => (f['organisation.websiteUrl'] = 'https://example.org/"><script>'), 'http:// または https://'],
    ['a bad email', (f) => (f['organisation.contactEmail'] = 'family@'), 'メールアドレスの形式'],
    ['HTML', (f) => (f['familyPage.faq.0.answer.en'] = '<b>bold</b> <script>alert(1)</script>'), 'HTMLは使えません'],
    ['an empty required Japanese text', (f) => (f['receipt.issuerName.ja'] = '  '), '入力してください'],
    ['a half-filled new question', (f) => (f['familyPage.faq.5.answer.ja'] = '答えだけ'), '入力してください'],
    ['a checkbox with a strange value', (f) => (f['security.requireTotpForAdmins'] = 'yes'), '値の形式が正しくありません'],
    ['a newsletter day of 29', (f) => (f['newsletter.issueDay'] = '29'), '1〜28の整数で入力してください'],
    ['a newsletter day of 0', (f) => (f['newsletter.issueDay'] = '0'), '1〜28の整数で入力してください'],
    ['a newsletter day with a decimal', (f) => (f['newsletter.issueDay'] = '1.5'), '1〜28の整数で入力してください'],
    ['a newsletter time of 24:00', (f) => (f['newsletter.issueTime'] = '24:00'), '00:00〜23:59の時刻'],
    ['a newsletter time without a colon', (f) => (f['newsletter.issueTime'] = '1000'), '00:00〜23:59の時刻'],
    ['a newsletter time of 10:60', (f) => (f['newsletter.issueTime'] = '10:60'), '00:00〜23:59の時刻'],
    ['a negative reminder', (f) => (f['newsletter.reminderDaysBefore'] = '-1'), '0〜27の整数で入力してください'],
    ['a reminder of 28 days', (f) => (f['newsletter.reminderDaysBefore'] = '28'), '0〜27の整数で入力してください'],
    ['a sending speed of 0', (f) => (f['newsletter.messagesPerSecond'] = '0'), '1〜1000の整数で入力してください'],
    ['a sending speed of 1001', (f) => (f['newsletter.messagesPerSecond'] = '1001'), '1〜1000の整数で入力してください'],
    ['a sending speed in words', (f) => (f['newsletter.messagesPerSecond'] = 'fast'), '1〜1000の整数で入力してください'],
    ['an empty newsletter day', (f) => (f['newsletter.issueDay'] = ''), '入力してください'],
  ];

  test.each(badValues)('when the form has %s, then 422 with a message and nothing is stored', async (_label, change, message) => {
    const before = await storedSettings(app);
    const audits = (await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'settings.edit'))).length;
    const { res, html } = await submit((f) => {
      // A valid change next to the bad one must not be stored either.
      f['familyPage.headline.ja'] = '保存されてはいけない見出し';
      change(f);
    });
    expect(res.status).toBe(422);
    expect(html).toContain('何も保存されていません');
    expect(html).toContain(message);
    expect(html).toContain('aria-invalid="true"');
    expect(html).not.toContain('<script>alert');
    expect(await storedSettings(app)).toBe(before);
    expect((await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'settings.edit'))).length).toBe(audits);
  });

  test('when the newsletter rhythm is saved with full-width digits and a one-digit hour, then plain strings are stored and the form shows them', async () => {
    const { res } = await submit((f) => {
      f['newsletter.issueDay'] = '１'; // full-width, as a Japanese keyboard types it
      f['newsletter.issueTime'] = '9:05';
      f['newsletter.reminderDaysBefore'] = ' 0 ';
      f['newsletter.messagesPerSecond'] = '0050';
    });
    expect(res.status).toBe(303);
    expect((await app.ctx.settings.get()).newsletter).toEqual({ issueDay: '1', issueTime: '09:05', reminderDaysBefore: '0', messagesPerSecond: '50' });
    const page = await admin.get('/admin/settings');
    expect(page.html).toMatch(/name="newsletter\.issueDay" type="text" value="1" maxlength="2"[^>]*inputmode="numeric"/);
    expect(page.html).toContain('name="newsletter.issueTime" type="text" value="09:05"');
    expect(page.html).toContain('0にするとお知らせを送りません。');
    await app.ctx.settings.update('newsletter', { issueDay: '15', issueTime: '10:00', reminderDaysBefore: '5', messagesPerSecond: '20' });
  });

  test('when the form is posted empty or too large, then it is refused without a server error', async () => {
    const token = await admin.csrf('/admin/settings');
    expect((await admin.post('/admin/settings', { _csrf: token })).res.status).toBe(422);
    const huge = await admin.post('/admin/settings', { _csrf: token, 'familyPage.lead.ja': 'あ'.repeat(10_000) });
    expect(huge.res.status).toBe(413);
  });

  test('when staff or finance open or post settings, the audit log or the jobs board, then 403', async () => {
    for (const role of ['staff', 'finance'] as const) {
      const { visitor } = await signInAs(app, role);
      const token = await visitor.csrf('/admin/account');
      expect((await visitor.get('/admin/settings')).res.status).toBe(403);
      expect((await visitor.post('/admin/settings', { _csrf: token, 'familyPage.headline.ja': 'x' })).res.status).toBe(403);
      expect((await visitor.get('/admin/audit')).res.status).toBe(403);
      expect((await visitor.get('/admin/jobs')).res.status).toBe(403);
      expect((await visitor.get('/admin/jobs/board/api/queues')).res.status).toBe(403);
    }
    expect((await app.ctx.settings.get()).familyPage.headline.ja).toBe('いっしょに未来をつくりませんか?');
  });

  test('when an admin browses the audit log, then entries are newest first with who, what, when and target, and filters narrow them', async () => {
    for (let i = 0; i < 55; i++)
      await recordAudit(app.ctx.db, {
        staffId: adminId,
        action: 'supporter.note',
        targetType: 'supporter',
        targetId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        detail: { note: `n${i}` },
      });

    const all = await admin.get('/admin/audit');
    expect(all.res.status).toBe(200);
    // Sentences and labelled fields, not codes and JSON.
    expect(all.html).toContain('さんにメモを書きました');
    expect(all.html).toContain('<dt>メモ</dt><dd>n54</dd>');
    expect(all.html).not.toContain('>supporter.note<');
    const older = await admin.get(unescapeHtml(/href="([^"]+)" rel="next"/.exec(all.html)![1]!));
    expect(older.html).toContain('が<a href="/admin/settings">設定</a>を変更しました');
    expect(older.html).toContain('がログインしました');
    const ids = [...all.html.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(50);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const bulk = await admin.get('/admin/audit?action=supporter.no');
    expect([...bulk.html.matchAll(/data-audit-id=/g)]).toHaveLength(50);
    expect(bulk.html).toContain('<dt>メモ</dt><dd>n54</dd>');
    expect(bulk.html).toContain('href="/admin/supporters/00000000-0000-4000-8000-000000000054"');
    const next = /href="([^"]+)" rel="next"/.exec(bulk.html)![1]!;
    const second = await admin.get(unescapeHtml(next));
    expect([...second.html.matchAll(/data-audit-id=/g)]).toHaveLength(5);
    expect(second.html).not.toContain('rel="next"');

    const settingsOnly = await admin.get('/admin/audit?action=settings.&targetType=settings');
    const rows = [...settingsOnly.html.matchAll(/<li class="audit-entry" data-audit-id[\s\S]*?<\/li>/g)].map((m) => m[0]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row).toContain('が<a href="/admin/settings">設定</a>を変更しました');
    expect(rows.join('')).toContain('<dt>変更した項目</dt><dd>団体情報、WELgeeファミリーのページ</dd>');

    const byTarget = await admin.get('/admin/audit?targetType=supporter&targetId=00000000-0000-4000-8000-000000000007');
    expect([...byTarget.html.matchAll(/data-audit-id=/g)]).toHaveLength(1);

    const mine = await admin.get(`/admin/audit?staff=${adminId}&action=login.`);
    expect(mine.html).toContain('がログインしました');
    expect(mine.html).not.toContain('メモを書きました');

    const today = tokyoDay(new Date());
    expect([...(await admin.get(`/admin/audit?from=${today}&to=${today}&action=supporter.note`)).html.matchAll(/data-audit-id=/g)]).toHaveLength(50);
    const past = await admin.get('/admin/audit?from=2020-01-01&to=2020-01-31');
    expect(past.html).toContain('条件に合う記録はありません。');
  });

  test.each([
    ['from=2026-02-30', '開始日が正しい日付ではありません'],
    ['to=yesterday', '終了日が正しい日付ではありません'],
    ['from=2026-12-01&to=2026-11-01', '開始日が終了日より後'],
    ['staff=not-a-uuid', 'スタッフの指定が正しくありません'],
    ['staff=a&staff=b', 'スタッフの指定が正しくありません'],
    ['action=%00drop', '操作名には'],
    ['action=x%27%20or%201%3D1', '操作名には'],
    [`targetId=${'9'.repeat(500)}`, '対象のIDが正しくありません'],
    ['page=-1', 'ページ番号が正しくありません'],
    ['page=99999999999', 'ページ番号が正しくありません'],
    ['from=2026-01-01&from=2026-02-01', '開始日が正しい日付ではありません'],
  ])('when the audit filter is %s, then the page answers 200 and says the value was ignored', async (query, message) => {
    const { res, html } = await admin.get(`/admin/audit?${query}`);
    expect(res.status).toBe(200);
    expect(html).toContain(message);
    expect(html).toContain('id="audit-entries"');
  });

  test('when an admin opens /admin/jobs/board, then bull-board shows every queue under its own policy, and the rest of the app keeps the strict one', async () => {
    const page = await admin.get('/admin/jobs/board');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('__UI_CONFIG__');
    expect(page.html).not.toContain('fonts.googleapis.com');
    expect(page.res.headers.get('x-powered-by')).toBeNull();
    const csp = page.res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain("'unsafe-eval'");

    const api = await admin.get('/admin/jobs/board/api/queues');
    expect(api.res.status).toBe(200);
    const names = (JSON.parse(api.html) as { queues: { name: string; readOnlyMode: boolean }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['billing', 'default', 'email', 'newsletter']);

    const script = /src="(static\/js\/main[^"]+)"/.exec(page.html)![1]!;
    expect((await admin.get(`/admin/jobs/board/${script}`)).res.status).toBe(200);
    expect((await Visitor.of(app).get(`/admin/jobs/board/${script}`)).res.status).toBe(302);

    const home = await admin.get('/admin');
    expect(home.res.headers.get('content-security-policy')).not.toContain('unsafe');
  });
});
