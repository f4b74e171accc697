import { and, eq } from 'drizzle-orm';
import { parseMail, type ReceivedMail } from '../../src/dev/mail-sink';
import { donations, subscriptions, supporters } from '../../src/db/schema';
import { eventually, type TestApp } from './app';
import { Visitor } from './http';

export const CARD_OK = '4242 4242 4242 4242';
export const CARD_DECLINED = '4000 0000 0000 0341';

let counter = 0;
/** A unique, valid join form. */
export function joinFields(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  counter += 1;
  return {
    plan: '5000',
    email: `supporter-${Date.now()}-${counter}@example.jp`,
    family_name: '山田',
    given_name: '花子',
    family_name_kana: 'ヤマダ',
    given_name_kana: 'ハナコ',
    locale: 'ja',
    privacy: 'on',
    ...overrides,
  };
}

/** Submits the join form as a browser would and returns the Checkout Session id it redirects to. */
export async function startJoin(app: TestApp, fields: Record<string, string | undefined>): Promise<{ sessionId: string; visitor: Visitor }> {
  // Each join from a client address of its own: one address may join only ten times in ten minutes.
  const visitor = Visitor.from(app);
  const token = await visitor.csrf('/family');
  const { res, location, html } = await visitor.post('/family/join', { ...fields, _csrf: token });
  if (res.status !== 303 || !location) throw new Error(`join answered ${res.status}: ${html.slice(0, 500)}`);
  const sessionId = /\/(cs_[\w]+)/.exec(location)?.[1];
  if (!sessionId) throw new Error(`unexpected checkout URL ${location}`);
  return { sessionId, visitor };
}

/** Joins and pays with the card; resolves once the gift is in the ledger. */
export async function joinAndPay(app: TestApp, overrides: Record<string, string | undefined> = {}) {
  const fields = joinFields(overrides);
  const { sessionId, visitor } = await startJoin(app, fields);
  const paid = await app.stripe.payCheckoutSession(sessionId, CARD_OK);
  if (!paid.ok) throw new Error(`payment failed: ${paid.error}`);
  const supporter = await eventually(async () => {
    const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, fields.email!));
    return s?.status === 'monthly' ? s : undefined;
  });
  const gifts = await eventually(async () => {
    const rows = await app.ctx.db.select().from(donations).where(eq(donations.supporterId, supporter.id));
    return rows.length > 0 ? rows : undefined;
  });
  const [subscription] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.supporterId, supporter.id));
  return { fields, sessionId, visitor, supporter, gifts, subscription: subscription! };
}

export async function giftsOf(app: TestApp, supporterId: string) {
  return app.ctx.db.select().from(donations).where(eq(donations.supporterId, supporterId));
}

export async function giftRowsOf(app: TestApp, supporterId: string) {
  return app.ctx.db
    .select()
    .from(donations)
    .where(and(eq(donations.supporterId, supporterId), eq(donations.entry, 'gift')));
}

/** Mail received for an address, parsed. */
export async function mailTo(app: TestApp, address: string, count = 1, match?: (subject: string) => boolean) {
  const filter = (m: ReceivedMail) => m.envelopeTo.includes(address);
  if (!match) {
    const raw = await app.mail.waitFor(count, filter);
    return Promise.all(raw.map((m) => parseMail(m.raw)));
  }
  return eventually(async () => {
    const parsed = await Promise.all(app.mail.messages.filter(filter).map((m) => parseMail(m.raw)));
    const found = parsed.filter((p) => match(p.subject ?? ''));
    return found.length >= count ? found : undefined;
  }, 20_000);
}
