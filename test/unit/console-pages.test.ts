import { boardInlineStyles, jobsContentSecurityPolicy } from '../../src/features/admin/jobs.routes';
import { parseAuditQuery, parseDay } from '../../src/features/audit/audit.filters';
import { dayBefore, firstDayOf, fiscalYearStart, monthsEndingWith, startOfTokyoDay, tokyoMonth } from '../../src/features/reports/periods';
import { checkValue } from '../../src/features/settings/settings.schemas';

describe('dashboard periods (Japan time)', () => {
  test('when an instant is just after midnight in Japan on the 1st, then it belongs to the new month', () => {
    expect(tokyoMonth(new Date('2026-10-31T15:30:00Z'))).toBe('2026-11');
    expect(tokyoMonth(new Date('2026-10-31T14:59:59Z'))).toBe('2026-10');
    expect(startOfTokyoDay('2026-11-01').toISOString()).toBe('2026-10-31T15:00:00.000Z');
  });

  test('when twelve months end in March, then they start in April of the year before', () => {
    expect(monthsEndingWith('2027-03', 12)).toEqual([
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
      '2027-01',
      '2027-02',
      '2027-03',
    ]);
    expect(firstDayOf('2026-12', 1)).toBe('2027-01-01');
    expect(dayBefore('2026-03-01')).toBe('2026-02-28');
  });

  test('when the fiscal year starts in April, then January to March belong to the year before', () => {
    expect(fiscalYearStart('2026-03-31', 4)).toBe('2025-04-01');
    expect(fiscalYearStart('2026-04-01', 4)).toBe('2026-04-01');
    expect(fiscalYearStart('2026-11-22', 4)).toBe('2026-04-01');
    expect(fiscalYearStart('2026-11-22', 1)).toBe('2026-01-01');
  });
});

describe('settings values', () => {
  const line = { kind: 'line' as const, max: 10, required: true };
  test('when a value is clean, then it is trimmed and kept', () => {
    expect(checkValue('  WELgee ', line, true)).toEqual({ value: 'WELgee' });
    expect(checkValue('a\r\nb', { ...line, kind: 'text' }, true)).toEqual({ value: 'a\nb' });
  });

  test.each([
    [['a', 'b'], line, 'settings.errors.invalid'],
    [undefined, line, 'settings.errors.missing'],
    ['', line, 'settings.errors.required'],
    ['x'.repeat(11), line, 'settings.errors.tooLong'],
    ['a\nb', line, 'settings.errors.control'],
    ['a\u0000b', line, 'settings.errors.control'],
    ['<i>hi</i>', line, 'settings.errors.markup'],
    ['javascript:alert(1)', { kind: 'url' as const, max: 100, required: false }, 'settings.errors.url'],
    ['ftp://example.org', { kind: 'url' as const, max: 100, required: false }, 'settings.errors.url'],
    ['https://user:pw@example.org', { kind: 'url' as const, max: 100, required: false }, 'settings.errors.url'],
    ['a@b', { kind: 'email' as const, max: 100, required: true }, 'settings.errors.email'],
  ])('when the value is %j, then it is refused', (raw, rule, key) => {
    expect(checkValue(raw, rule, rule.required)).toMatchObject({ error: { key } });
  });
});

describe('audit filters', () => {
  test('when a day does not exist, then it is not a day', () => {
    expect(parseDay('2026-02-29')).toBeUndefined();
    expect(parseDay('2028-02-29')).toBe('2028-02-29');
    expect(parseDay('2026-1-1')).toBeUndefined();
  });

  test('when a range is given in Japan days, then it covers the whole last day', () => {
    const q = parseAuditQuery({ from: '2026-11-01', to: '2026-11-30', action: 'login.' });
    expect(q.filter.from!.toISOString()).toBe('2026-10-31T15:00:00.000Z');
    expect(q.filter.to!.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(q.problems).toEqual([]);
  });
});

describe('jobs board policy', () => {
  test('when the board needs inline styles, then only their hashes are allowed and never unsafe-inline or eval', () => {
    const template = '<div style="display:flex"></div><style>@keyframes x{}</style>';
    const styles = boardInlineStyles(template, ['a("style",{children:`.a{fill:red}`})', 'b("style",{children:`${x}`})']);
    expect(styles).toEqual({ elements: ['@keyframes x{}', '.a{fill:red}'], attributes: ['display:flex'] });
    const csp = jobsContentSecurityPolicy(styles, true);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toMatch(/style-src-elem 'self' 'sha256-[^']+' 'sha256-[^']+';/);
    expect(csp).toMatch(/style-src-attr 'unsafe-hashes' 'sha256-[^']+';/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toContain('upgrade-insecure-requests');
  });
});
