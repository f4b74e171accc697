import { addMonths, issueSlotFor, nextIssueSlot, readRhythm, reminderSlot, tokyoMonth } from '../../src/features/newsletters/rhythm';

const rhythm = { issueDay: '15', issueTime: '10:00', reminderDaysBefore: '5' };
const at = (iso: string) => new Date(iso);

describe('issueSlotFor: a month’s send time in Japan', () => {
  test('when the issue goes out on the 15th at 10:00, then the slot is 01:00 UTC that day', () => {
    expect(issueSlotFor(rhythm, '2026-05').toISOString()).toBe('2026-05-15T01:00:00.000Z');
  });

  test('when the issue goes out on the 1st just after midnight in Japan, then the slot is the day before in UTC, across the year', () => {
    expect(issueSlotFor({ issueDay: '1', issueTime: '00:30' }, '2027-01').toISOString()).toBe('2026-12-31T15:30:00.000Z');
    expect(issueSlotFor({ issueDay: '1', issueTime: '8:59' }, '2026-03').toISOString()).toBe('2026-02-28T23:59:00.000Z');
  });

  test('when the day is the 28th, then February has its issue in leap and common years', () => {
    expect(issueSlotFor({ issueDay: '28', issueTime: '23:59' }, '2027-02').toISOString()).toBe('2027-02-28T14:59:00.000Z');
    expect(issueSlotFor({ issueDay: '28', issueTime: '10:00' }, '2028-02').toISOString()).toBe('2028-02-28T01:00:00.000Z');
  });

  test('when the month is not YYYY-MM, then it throws', () => {
    expect(() => issueSlotFor(rhythm, '2026-13')).toThrow(RangeError);
    expect(() => issueSlotFor(rhythm, '2026-5')).toThrow(RangeError);
  });

  test('when stored settings break the rules, then the defaults (15th, 10:00, 5 days) are used', () => {
    expect(readRhythm({ issueDay: '31', issueTime: '25:00', reminderDaysBefore: 'x' })).toEqual({ day: 15, hour: 10, minute: 0, reminderDays: 5 });
    expect(issueSlotFor({ issueDay: '', issueTime: '' }, '2026-06').toISOString()).toBe('2026-06-15T01:00:00.000Z');
  });
});

describe('nextIssueSlot: the next send time', () => {
  test('when this month’s slot is still to come, then it is the next one', () => {
    const slot = nextIssueSlot(rhythm, at('2026-05-15T00:59:00Z'));
    expect(slot).toEqual({ month: '2026-05', at: at('2026-05-15T01:00:00Z') });
  });

  test('when this month’s slot has come, then next month’s is the next one', () => {
    expect(nextIssueSlot(rhythm, at('2026-05-15T01:00:00Z'))).toEqual({ month: '2026-06', at: at('2026-06-15T01:00:00Z') });
    expect(nextIssueSlot(rhythm, at('2026-05-31T12:00:00Z'))).toEqual({ month: '2026-06', at: at('2026-06-15T01:00:00Z') });
  });

  test('when December’s slot has passed, then the next one is in January of the next year', () => {
    expect(nextIssueSlot(rhythm, at('2026-12-20T00:00:00Z'))).toEqual({ month: '2027-01', at: at('2027-01-15T01:00:00Z') });
  });

  test('when it is already the 1st in Japan but still the last day of the month in UTC, then the Japanese month counts', () => {
    // 2026-03-31T15:30Z is 1 April 00:30 in Tokyo.
    const first = { issueDay: '1', issueTime: '09:00' };
    expect(tokyoMonth(at('2026-03-31T15:30:00Z'))).toBe('2026-04');
    expect(nextIssueSlot(first, at('2026-03-31T15:30:00Z'))).toEqual({ month: '2026-04', at: at('2026-04-01T00:00:00Z') });
    // New Year in Japan comes nine hours before New Year in UTC.
    expect(nextIssueSlot(first, at('2026-12-31T16:00:00Z'))).toEqual({ month: '2027-01', at: at('2027-01-01T00:00:00Z') });
  });

  test('when months are added, then years roll over both ways', () => {
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2027-01', -1)).toBe('2026-12');
    expect(addMonths('2026-05', 14)).toBe('2027-07');
  });
});

describe('reminderSlot: when newsletter staff are reminded', () => {
  test('when the slot is exactly reminderDaysBefore days away or closer, then the reminder is due for that month', () => {
    expect(reminderSlot(rhythm, at('2026-05-10T01:00:00Z'))).toEqual({ month: '2026-05', at: at('2026-05-15T01:00:00Z') });
    expect(reminderSlot(rhythm, at('2026-05-15T00:59:00Z'))?.month).toBe('2026-05');
  });

  test('when the slot is further away, or has passed, then no reminder is due', () => {
    expect(reminderSlot(rhythm, at('2026-05-10T00:59:00Z'))).toBeUndefined();
    expect(reminderSlot(rhythm, at('2026-05-15T01:00:00Z'))).toBeUndefined();
  });

  test('when the issue goes out early in the month, then the reminder starts in the month before', () => {
    const early = { issueDay: '2', issueTime: '10:00', reminderDaysBefore: '5' };
    // 28 December 12:00 in Tokyo: the January issue (2 January 10:00) is under five days away.
    expect(reminderSlot(early, at('2026-12-28T03:00:00Z'))).toEqual({ month: '2027-01', at: at('2027-01-02T01:00:00Z') });
    expect(reminderSlot(early, at('2026-12-27T00:00:00Z'))).toBeUndefined();
  });

  test('when reminderDaysBefore is 0, then no reminder is ever due', () => {
    expect(reminderSlot({ ...rhythm, reminderDaysBefore: '0' }, at('2026-05-15T00:59:00Z'))).toBeUndefined();
  });
});
