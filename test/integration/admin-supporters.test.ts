import { and, eq, sql } from 'drizzle-orm';
import { auditLog, consents, donations, supporterMerges, supporterNotes, supporterTags, supporters } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { joinAndPay } from '../helpers/giving';
import { unescapeHtml, type Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

type NewSupporter = typeof supporters.$inferInsert;
let made = 0;

/** Inserts a supporter directly (as an import or an old record would be), with a unique email. */
async function makeSupporter(app: TestApp, fields: Partial<NewSupporter> = {}) {
  made += 1;
  const email = fields.email ?? `person-${Date.now()}-${made}@example.jp`;
  const [row] = await app.ctx.db
    .insert(supporters)
    .values({ familyName: '佐藤', givenName: '健', email, emailNormalized: email.normalize('NFKC').trim().toLowerCase(), ...fields })
    .returning();
  return row!;
}

/** The supporter ids linked from the list's table, in order. */
function listedIds(html: string): string[] {
  const body = html.split('<tbody>')[1]?.split('</tbody>')[0] ?? '';
  return [...body.matchAll(/<td class="sup-name">\s*<a href="\/admin\/supporters\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
}

const search = (visitor: Visitor, params: Record<string, string>) => visitor.get(`/admin/supporters?${new URLSearchParams(params).toString()}`);

describe('supporters in the staff console', () => {
  let app: TestApp;
  let staff: { visitor: Visitor; id: string };
  let token: string;

  beforeAll(async () => {
    app = await startTestApp();
    staff = await signInAs(app, 'staff');
    token = await adminToken(staff.visitor);
  });
  afterAll(() => app.stop());

  describe('the list', () => {
    test('when staff search in hiragana or katakana, then both find the supporter whichever script was stored', async () => {
      const tag = `kana-${Date.now()}`;
      const katakana = await makeSupporter(app, { familyName: '山田', givenName: '花子', familyNameKana: 'ヤマダ', givenNameKana: 'ハナコ' });
      const hiragana = await makeSupporter(app, { familyName: 'さくら', givenName: 'みどり' });
      for (const s of [katakana, hiragana]) await app.ctx.db.insert(supporterTags).values({ supporterId: s.id, tag });
      expect(listedIds((await search(staff.visitor, { q: 'やまだ', tag })).html)).toEqual([katakana.id]);
      expect(listedIds((await search(staff.visitor, { q: 'ヤマダ はなこ', tag })).html)).toEqual([katakana.id]);
      expect(listedIds((await search(staff.visitor, { q: 'ｻｸﾗ', tag })).html)).toEqual([hiragana.id]);
      expect(listedIds((await search(staff.visitor, { q: 'サクラ', tag })).html)).toEqual([hiragana.id]);
      expect(listedIds((await search(staff.visitor, { q: '山田', tag })).html)).toEqual([katakana.id]);
    });

    test('when staff type everyday Japanese and Latin input (no space, half-width kana, 異体字, no accents, bank notation), then each person is found', async () => {
      const tag = `everyday-${Date.now()}`;
      const people = {
        hanako: await makeSupporter(app, { familyName: '山田', givenName: '花子', familyNameKana: 'ヤマダ', givenNameKana: 'ハナコ' }),
        takahashi: await makeSupporter(app, { familyName: '髙橋', givenName: '一郎' }),
        yoshio: await makeSupporter(app, { familyName: '田中', givenName: '𠮷男' }),
        saito: await makeSupporter(app, { familyName: '齋藤', givenName: '健' }),
        muller: await makeSupporter(app, { familyName: 'Müller', givenName: 'Anna', locale: 'en' }),
        sakura: await makeSupporter(app, { kind: 'organisation', familyName: 'サクラテック', givenName: '', organisationName: '株式会社サクラテック' }),
      };
      for (const p of Object.values(people)) await app.ctx.db.insert(supporterTags).values({ supporterId: p.id, tag });
      const cases: [string, string[]][] = [
        ['山田花子', [people.hanako.id]],
        ['ヤマダハナコ', [people.hanako.id]],
        ['ﾔﾏﾀﾞﾊﾅｺ', [people.hanako.id]],
        ['やまだはなこ', [people.hanako.id]],
        ['高橋', [people.takahashi.id]],
        ['吉男', [people.yoshio.id]],
        ['斎藤', [people.saito.id]],
        ['斉藤健', [people.saito.id]],
        ['muller', [people.muller.id]],
        ['ＭＵＬＬＥＲ', [people.muller.id]],
        ['ｶ)ｻｸﾗﾃﾂｸ', [people.sakura.id]],
        ['(株)サクラテック', [people.sakura.id]],
      ];
      for (const [q, ids] of cases) expect([q, listedIds((await search(staff.visitor, { q, tag })).html)]).toEqual([q, ids]);
      // The same normaliser serves the supporter picker of the gift form.
      const picker = unescapeHtml((await staff.visitor.get(`/admin/gifts/new?q=${encodeURIComponent('髙橋一郎')}`)).html);
      expect(picker).toContain(people.takahashi.id);
    });

    test('when a name changes in any way (here plain SQL), then the search finds the new name and no longer the old one', async () => {
      const tag = `renamed-${Date.now()}`;
      const person = await makeSupporter(app, { familyName: '渡邉', givenName: '舞' });
      await app.ctx.db.insert(supporterTags).values({ supporterId: person.id, tag });
      expect(listedIds((await search(staff.visitor, { q: '渡辺', tag })).html)).toEqual([person.id]);
      await app.ctx.db.execute(sql`update supporters set family_name = '濵田' where id = ${person.id}`);
      const [row] = await app.ctx.db.select({ key: supporters.searchKey }).from(supporters).where(eq(supporters.id, person.id));
      expect(row!.key).toBeNull();
      expect(listedIds((await search(staff.visitor, { q: '浜田', tag })).html)).toEqual([person.id]);
      expect(listedIds((await search(staff.visitor, { q: '渡辺', tag })).html)).toEqual([]);
    });

    test('when staff search a part of an email or an organisation name, then the supporter is found', async () => {
      const byEmail = await makeSupporter(app, { email: `Unusual.Fragment-${Date.now()}@Example.org` });
      const org = await makeSupporter(app, { kind: 'organisation', organisationName: `株式会社ブリッジ${Date.now()}` });
      expect(listedIds((await search(staff.visitor, { q: 'unusual.fragment' })).html)).toEqual([byEmail.id]);
      expect(listedIds((await search(staff.visitor, { q: org.organisationName!.slice(0, 12) })).html)).toEqual([org.id]);
      expect(listedIds((await search(staff.visitor, { q: org.organisationName!.replace('ブリッジ', 'ぶりっじ') })).html)).toEqual([org.id]);
    });

    test('when a query has % or _, then they match themselves only', async () => {
      const stamp = Date.now();
      const percent = await makeSupporter(app, { kind: 'organisation', organisationName: `Zq${stamp} 100% Club` });
      const underscore = await makeSupporter(app, { email: `zq${stamp}_x@example.jp` });
      await makeSupporter(app, { email: `zq${stamp}ax@example.jp` });
      expect(listedIds((await search(staff.visitor, { q: `zq${stamp} 100%` })).html)).toEqual([percent.id]);
      expect(listedIds((await search(staff.visitor, { q: `zq${stamp}_x` })).html)).toEqual([underscore.id]);
      expect(listedIds((await search(staff.visitor, { q: `zq${stamp}%x` })).html)).toEqual([]);
    });

    test('when filters are set, then only matching supporters are counted and listed, 50 a page', async () => {
      const tag = `page-${Date.now()}`;
      const rows: string[] = [];
      for (let i = 0; i < 53; i++) {
        const s = await makeSupporter(app, { status: i < 51 ? 'one_time' : 'prospect', newsletter: i % 2 === 0, locale: 'en', familyName: 'Pager', givenName: `No${i}` });
        rows.push(s.id);
        await app.ctx.db.insert(supporterTags).values({ supporterId: s.id, tag });
      }
      const first = await search(staff.visitor, { tag, status: 'one_time' });
      expect(first.res.status).toBe(200);
      expect(listedIds(first.html)).toHaveLength(50);
      expect(unescapeHtml(first.html)).toContain('51人中 1〜50人目');
      const second = await search(staff.visitor, { tag, status: 'one_time', page: '2' });
      expect(listedIds(second.html)).toHaveLength(1);
      expect([...listedIds(first.html), ...listedIds(second.html)].sort()).toEqual(rows.slice(0, 51).sort());
      expect(listedIds((await search(staff.visitor, { tag, newsletter: 'yes', language: 'en', kind: 'individual' })).html)).toHaveLength(27);
      expect(listedIds((await search(staff.visitor, { tag, status: 'prospect', sort: 'name' })).html)).toEqual(rows.slice(51));
      expect(listedIds((await search(staff.visitor, { tag, language: 'ja' })).html)).toEqual([]);
    });

    test('when a filter value is not one we know, then 400 says which, and nothing fails', async () => {
      for (const query of [
        'status=deleted',
        'plan=abc',
        'page=-1',
        'sort=drop',
        'newsletter=maybe',
        'language=fr',
        'kind=robot',
        'status=monthly&status=lapsed',
        `q=${'x'.repeat(500)}`,
        'q=%00',
      ]) {
        const { res, html } = await staff.visitor.get(`/admin/supporters?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(html).toContain('error-summary');
      }
      const { res, html } = await staff.visitor.get('/admin/supporters?q=nobody-has-this-zzq');
      expect(res.status).toBe(200);
      expect(html).toContain('条件に合う支援者が見つかりません');
    });

    test('when a supporter was merged away, then the list never shows them', async () => {
      const kept = await makeSupporter(app);
      const merged = await makeSupporter(app, { familyName: 'Hidden', givenName: `Merged${Date.now()}`, mergedIntoId: kept.id });
      expect(listedIds((await search(staff.visitor, { q: merged.givenName })).html)).toEqual([]);
    });
  });

  describe('escaping', () => {
    const payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];
    test.each(payloads)('when every supporter field holds %s, then list and page show it as text', async (payload) => {
      const s = await makeSupporter(app, {
        kind: 'organisation',
        familyName: `${payload}姓`,
        givenName: payload,
        familyNameKana: payload,
        givenNameKana: payload,
        organisationName: `xss ${payload}`,
        email: `${payload}${Date.now()}@example.jp`,
        postalCode: payload,
        prefecture: payload,
        address: payload,
        phone: payload,
      });
      await app.ctx.db.insert(supporterNotes).values({ supporterId: s.id, body: payload });
      await app.ctx.db.insert(supporterTags).values({ supporterId: s.id, tag: payload });
      const list = await search(staff.visitor, { q: 'xss' });
      const page = await staff.visitor.get(`/admin/supporters/${s.id}`);
      const edit = await staff.visitor.get(`/admin/supporters/${s.id}/edit`);
      for (const { html } of [list, page, edit]) {
        expect(html).not.toContain('<script>alert(1)');
        expect(html).not.toContain('<img src=x');
        expect(html).not.toContain('onerror=alert');
        expect(unescapeHtml(html)).toContain(payload);
      }
    });
  });

  describe('the supporter page', () => {
    test('when staff open a supporter, then the page shows them and the view is in the audit log', async () => {
      const { supporter } = await joinAndPay(app, { family_name: '高橋', given_name: '誠' });
      const { res, html } = await staff.visitor.get(`/admin/supporters/${supporter.id}`);
      expect(res.status).toBe(200);
      expect(html).toContain('高橋 誠');
      expect(html).toContain('寄付の履歴');
      expect(html).toContain('個人情報の取り扱い');
      const views = await app.ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'supporter.view'), eq(auditLog.targetId, supporter.id)));
      expect(views.map((v) => v.staffId)).toEqual([staff.id]);
    });

    test('when the id is unknown or malformed, then 404', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '------------------------------------', `${'a'.repeat(36)}`]) {
        expect({ id, status: (await staff.visitor.get(`/admin/supporters/${id}`)).res.status }).toEqual({ id, status: 404 });
      }
      expect((await staff.visitor.post('/admin/supporters/00000000-0000-4000-8000-000000000000/notes', { body: 'x', _csrf: token })).res.status).toBe(404);
    });

    test('when staff add a note and a tag and remove the tag, then the page shows each change', async () => {
      const s = await makeSupporter(app);
      expect((await staff.visitor.post(`/admin/supporters/${s.id}/notes`, { body: '説明会に参加。\n次回も案内する。', _csrf: token })).res.status).toBe(303);
      expect((await staff.visitor.post(`/admin/supporters/${s.id}/tags`, { tag: 'イベント参加', _csrf: token })).res.status).toBe(303);
      let html = (await staff.visitor.get(`/admin/supporters/${s.id}`)).html;
      expect(html).toContain('説明会に参加。\n次回も案内する。');
      expect(html).toContain('イベント参加');
      expect((await staff.visitor.post(`/admin/supporters/${s.id}/tags/remove`, { tag: 'イベント参加', _csrf: token })).res.status).toBe(303);
      expect(await app.ctx.db.select().from(supporterTags).where(eq(supporterTags.supporterId, s.id))).toEqual([]);
      expect((await staff.visitor.post(`/admin/supporters/${s.id}/notes`, { body: ' ', _csrf: token })).res.status).toBe(422);
      html = (await staff.visitor.post(`/admin/supporters/${s.id}/tags`, { tag: ['a', 'b'], _csrf: token })).html;
      expect(html).toContain('field__error');
    });

    test('when a finance user opens the console, then they can view supporters but not edit them', async () => {
      const finance = await signInAs(app, 'finance');
      const financeToken = await adminToken(finance.visitor);
      const s = await makeSupporter(app);
      expect((await finance.visitor.get('/admin/supporters')).res.status).toBe(200);
      expect((await finance.visitor.get(`/admin/supporters/${s.id}`)).res.status).toBe(200);
      expect((await finance.visitor.get(`/admin/supporters/${s.id}/edit`)).res.status).toBe(403);
      const edit = await finance.visitor.post(`/admin/supporters/${s.id}/edit`, { family_name: '変更', given_name: '不可', email: s.email, _csrf: financeToken });
      expect(edit.res.status).toBe(403);
      expect((await finance.visitor.post(`/admin/supporters/${s.id}/notes`, { body: 'x', _csrf: financeToken })).res.status).toBe(403);
      expect((await finance.visitor.post(`/admin/supporters/${s.id}/merge`, { duplicate_id: s.id, _csrf: financeToken })).res.status).toBe(403);
      const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, s.id));
      expect(after!.familyName).toBe(s.familyName);
    });
  });

  describe('editing and adding', () => {
    const valid = (email: string) => ({
      kind: 'individual',
      family_name: '伊藤',
      given_name: '結衣',
      family_name_kana: 'いとう',
      given_name_kana: 'ﾕｲ',
      email,
      locale: 'ja',
      postal_code: '１０５−００２３',
      prefecture: '東京都',
      address: '港区芝浦1-2-3',
      phone: '03-1234-5678',
    });

    test('when a profile is saved, then values are normalised, consent changes are recorded and the audit names the fields only', async () => {
      const s = await makeSupporter(app);
      const { res } = await staff.visitor.post(`/admin/supporters/${s.id}/edit`, { ...valid(s.email), newsletter: 'on', postal_mail: 'on', _csrf: token });
      expect(res.status).toBe(303);
      const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, s.id));
      expect(after).toMatchObject({ familyNameKana: 'イトウ', givenNameKana: 'ユイ', postalCode: '105-0023', prefecture: '東京都', newsletter: true, postalMail: true });
      const given = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, s.id));
      expect(given.map((c) => [c.purpose, c.granted, c.source]).sort()).toEqual([
        ['newsletter', true, 'staff'],
        ['postal_mail', true, 'staff'],
      ]);
      const [entry] = await app.ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'supporter.edit'), eq(auditLog.targetId, s.id)));
      expect(entry!.staffId).toBe(staff.id);
      expect((entry!.detail as { fields: string[] }).fields).toEqual(expect.arrayContaining(['familyName', 'postalCode', 'newsletter', 'postalMail']));
      expect(JSON.stringify(entry!.detail)).not.toContain('伊藤');

      // Unticking records a withdrawal; an unchanged toggle records nothing.
      await staff.visitor.post(`/admin/supporters/${s.id}/edit`, { ...valid(s.email), postal_mail: 'on', _csrf: token });
      const later = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, s.id));
      expect(later).toHaveLength(3);
      expect(later.find((c) => c.purpose === 'newsletter' && !c.granted)).toBeTruthy();
    });

    test.each([
      ['an array', { family_name: ['a', 'b'] }],
      ['a huge string', { family_name: 'あ'.repeat(5000) }],
      ['a control character', { given_name: 'ab\u0007c' }],
      ['a bad postal code', { postal_code: '123-456' }],
      ['letters in the postal code', { postal_code: 'abc-defg' }],
      ['an unknown prefecture', { prefecture: 'Atlantis' }],
      ['a bad phone', { phone: 'call me' }],
      ['a wrong kind', { kind: 'robot' }],
      ['a wrong language', { locale: 'fr' }],
      ['a bad email', { email: 'not-an-email' }],
      ['non-katakana kana', { family_name_kana: 'Yamada' }],
      ['a wrong checkbox value', { newsletter: ['on', 'on'] }],
    ])('when the form has %s, then 422 and nothing is stored', async (_label, bad) => {
      const s = await makeSupporter(app);
      const { res, html } = await staff.visitor.post(`/admin/supporters/${s.id}/edit`, { ...valid(s.email), ...bad, _csrf: token } as Record<string, string | string[]>);
      expect(res.status).toBe(422);
      expect(html).toContain('error-summary');
      const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, s.id));
      expect(after).toEqual(s);
      expect(await app.ctx.db.select().from(consents).where(eq(consents.supporterId, s.id))).toEqual([]);
    });

    test('when the email belongs to someone else, then 422 with a link to them', async () => {
      const owner = await makeSupporter(app);
      const s = await makeSupporter(app);
      const { res, html } = await staff.visitor.post(`/admin/supporters/${s.id}/edit`, { ...valid(owner.email.toUpperCase()), _csrf: token });
      expect(res.status).toBe(422);
      expect(html).toContain(`/admin/supporters/${owner.id}`);
      expect(unescapeHtml(html)).toContain('このメールアドレスはほかの支援者が使っています');
    });

    test('when staff add a supporter by hand, then they are a prospect with the consents ticked', async () => {
      const email = `hand-${Date.now()}@example.jp`;
      expect((await staff.visitor.get('/admin/supporters/new')).res.status).toBe(200);
      const { res, location } = await staff.visitor.post('/admin/supporters/new', { ...valid(email), newsletter: 'on', _csrf: token });
      expect(res.status).toBe(303);
      const [created] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, email));
      expect(location).toBe(`/admin/supporters/${created!.id}?done=created`);
      expect(created).toMatchObject({ status: 'prospect', newsletter: true, postalMail: false, familyNameKana: 'イトウ' });
      const given = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, created!.id));
      expect(given.map((c) => [c.purpose, c.granted, c.source])).toEqual([['newsletter', true, 'staff']]);
      expect((await staff.visitor.post('/admin/supporters/new', { ...valid(email), _csrf: token })).res.status).toBe(422);
    });
  });

  describe('merging duplicates', () => {
    async function ledgerTotal(ids: string[]) {
      const [row] = await app.ctx.db
        .select({ total: sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number), n: sql<number>`count(*)`.mapWith(Number) })
        .from(donations)
        .where(
          sql`${donations.supporterId} in (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )})`,
        );
      return row!;
    }

    test('when a duplicate is merged, then every gift and record moves, the merge is recorded and the duplicate is hidden', async () => {
      const keptJoin = await joinAndPay(app, { family_name: '中村', given_name: '蓮', plan: '1000' });
      const dupJoin = await joinAndPay(app, { family_name: '中村', given_name: '蓮', plan: '5000', newsletter: 'on' });
      const kept = keptJoin.supporter;
      const dup = dupJoin.supporter;
      await app.ctx.db.insert(supporterNotes).values({ supporterId: dup.id, body: '旧アドレスの登録' });
      await app.ctx.db.insert(supporterTags).values([
        { supporterId: dup.id, tag: '重複' },
        { supporterId: dup.id, tag: '共通' },
        { supporterId: kept.id, tag: '共通' },
      ]);
      const before = await ledgerTotal([kept.id, dup.id]);
      const dupConsents = (await app.ctx.db.select().from(consents).where(eq(consents.supporterId, dup.id))).length;
      expect(dupConsents).toBeGreaterThan(0);

      const pick = await staff.visitor.get(`/admin/supporters/${kept.id}/merge?q=${encodeURIComponent(dup.email)}`);
      expect(pick.html).toContain(`duplicate=${dup.id}`);
      const preview = await staff.visitor.get(`/admin/supporters/${kept.id}/merge?duplicate=${dup.id}`);
      expect(preview.res.status).toBe(200);
      expect(unescapeHtml(preview.html)).toContain(`寄付の記録 ${dupJoin.gifts.length}件`);

      const { res, location } = await staff.visitor.post(`/admin/supporters/${kept.id}/merge`, { duplicate_id: dup.id, _csrf: token });
      expect(res.status).toBe(303);
      expect(location).toBe(`/admin/supporters/${kept.id}?done=merged`);

      expect(await ledgerTotal([kept.id])).toEqual(before);
      expect(await ledgerTotal([dup.id])).toEqual({ total: 0, n: 0 });
      expect((await app.ctx.db.select().from(consents).where(eq(consents.supporterId, dup.id))).length).toBe(0);
      expect((await app.ctx.db.select().from(supporterNotes).where(eq(supporterNotes.supporterId, kept.id))).map((n) => n.body)).toEqual(['旧アドレスの登録']);
      expect((await app.ctx.db.select().from(supporterTags).where(eq(supporterTags.supporterId, kept.id))).map((t) => t.tag).sort()).toEqual(['共通', '重複']);
      const [merge] = await app.ctx.db.select().from(supporterMerges).where(eq(supporterMerges.keptId, kept.id));
      expect(merge).toMatchObject({ mergedId: dup.id, staffId: staff.id });
      expect((merge!.snapshot as { supporter: { email: string } }).supporter.email).toBe(dup.email);
      const [dupAfter] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, dup.id));
      const [keptAfter] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, kept.id));
      expect(dupAfter).toMatchObject({ mergedIntoId: kept.id, status: 'prospect', newsletter: false });
      expect(keptAfter).toMatchObject({ status: 'monthly', stripeCustomerId: kept.stripeCustomerId });
      expect(
        (
          await app.ctx.db
            .select()
            .from(auditLog)
            .where(and(eq(auditLog.action, 'supporter.merge'), eq(auditLog.targetId, kept.id)))
        ).length,
      ).toBe(1);

      expect(listedIds((await search(staff.visitor, { q: dup.email })).html)).toEqual([]);
      const page = await staff.visitor.get(`/admin/supporters/${kept.id}?done=merged`);
      expect(page.html).toContain('統合した重複');
      expect(unescapeHtml(page.html)).toContain(dup.email);
      expect((await staff.visitor.get(`/admin/supporters/${dup.id}`)).res.headers.get('location')).toBe(`/admin/supporters/${kept.id}`);
    });

    test('when a supporter is merged into itself or into or from a merged one, then a clear 422 and nothing moves', async () => {
      const a = await makeSupporter(app);
      const gone = await makeSupporter(app, { mergedIntoId: a.id });
      const self = await staff.visitor.post(`/admin/supporters/${a.id}/merge`, { duplicate_id: a.id, _csrf: token });
      expect(self.res.status).toBe(422);
      expect(unescapeHtml(self.html)).toContain('同じ支援者どうしは統合できません');
      const intoMerged = await staff.visitor.post(`/admin/supporters/${gone.id}/merge`, { duplicate_id: a.id, _csrf: token });
      expect(intoMerged.res.status).toBe(422);
      expect(unescapeHtml(intoMerged.html)).toContain('統合先にできません');
      expect((await staff.visitor.post(`/admin/supporters/${a.id}/merge`, { duplicate_id: gone.id, _csrf: token })).res.status).toBe(422);
      expect((await staff.visitor.post(`/admin/supporters/${a.id}/merge`, { duplicate_id: 'not-a-uuid', _csrf: token })).res.status).toBe(422);
      expect(await app.ctx.db.select().from(supporterMerges).where(eq(supporterMerges.keptId, a.id))).toEqual([]);
    });

    test('when the merge fails halfway, then nothing has moved', async () => {
      const kept = await makeSupporter(app);
      const { supporter: dup, gifts } = await joinAndPay(app);
      // The last write of the merge fails: everything before it must roll back.
      await app.ctx.db.execute(sql.raw(`create function wf_refuse_merge() returns trigger language plpgsql as $$ begin raise exception 'refused for the test'; end $$`));
      await app.ctx.db.execute(sql.raw(`create trigger wf_refuse_merge before insert on supporter_merges for each row execute function wf_refuse_merge()`));
      try {
        const { res } = await staff.visitor.post(`/admin/supporters/${kept.id}/merge`, { duplicate_id: dup.id, _csrf: token });
        expect(res.status).toBe(500);
      } finally {
        await app.ctx.db.execute(sql.raw('drop trigger wf_refuse_merge on supporter_merges'));
        await app.ctx.db.execute(sql.raw('drop function wf_refuse_merge()'));
      }
      expect((await ledgerTotal([dup.id])).n).toBe(gifts.length);
      const [dupAfter] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, dup.id));
      expect(dupAfter).toMatchObject({ mergedIntoId: null, status: 'monthly' });
      expect((await app.ctx.db.select().from(consents).where(eq(consents.supporterId, dup.id))).length).toBeGreaterThan(0);
    });
  });
});
