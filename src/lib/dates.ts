// Dates for people and finance are Asia/Tokyo; timestamps are stored in UTC.

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in Japan of an instant, as YYYY-MM-DD. */
export function tokyoDay(instant: Date): string {
  return dayFormat.format(instant);
}

/** The calendar year in Japan of an instant. */
export function tokyoYear(instant: Date): number {
  return Number(tokyoDay(instant).slice(0, 4));
}

/** A Date from a Stripe unix timestamp (seconds). */
export function fromUnix(seconds: number): Date {
  return new Date(seconds * 1000);
}

/** The text when it is a real calendar day written YYYY-MM-DD (2026-02-30 is not); otherwise undefined. */
export function isoDay(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text ? text : undefined;
}
