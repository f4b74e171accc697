import type { Db } from '../../db/client';
import { csvLine } from '../../lib/csv';
import type { StripeGateway } from '../billing';
import { recordAudit } from '../audit';
import {
  blankSupporter,
  completeDeletionRequests,
  countErasable,
  decideDeletionRequest,
  findDeletionRequest,
  insertPendingDeletion,
  lockDeletionRequest,
  lockSupporters,
  scrubOwnedRows,
  selectDeletionRequests,
  selectMergedInto,
  selectPersonalRows,
  selectStaffName,
  selectSubscriptionsIn,
  selectSupporters,
} from './supporters.privacy.repo';
import { findSupporterById } from './supporters.repo';
import { now, now as clockNow } from '../../lib/clock';

// Personal data (個人情報保護法): a supporter downloads everything held about them and may ask for
// deletion; staff confirm it, the person's details are erased and their gifts stay in the ledger
// under the same (now anonymous) supporter id, so the accounts never change.

type Value = string | number | boolean | null;
export type PersonalRecord = Record<string, Value>;

export interface PersonalData {
  exportedAt: string;
  supporterId: string;
  profile: PersonalRecord;
  consents: PersonalRecord[];
  subscriptions: PersonalRecord[];
  ledger: PersonalRecord[];
  emails: PersonalRecord[];
  tags: PersonalRecord[];
  notes: PersonalRecord[];
  cancellationReasons: PersonalRecord[];
  deletionRequests: PersonalRecord[];
  /** Earlier records of the same person merged into this one (their details as they were). */
  earlierRecords: PersonalRecord[];
  /** Each newsletter and annual report sent (or to be sent) to them. */
  newsletters: PersonalRecord[];
  /** Combined receipts (valid and void; their totals are accounting records). */
  annualReceipts: PersonalRecord[];
}

/** Stripe statuses of a subscription that may still charge. */
const LIVE = ['active', 'past_due', 'unpaid', 'trialing', 'incomplete'] as const;

/** The address an erased supporter keeps: unique, and never deliverable (.invalid is reserved). */
export const erasedAddress = (supporterId: string) => `erased-${supporterId}@erased.invalid`;

// Search keys are derived from the fields shown (and snapshots of older merges may carry search_text).
const DERIVED = ['searchText', 'searchKey', 'nameKeys'];

function plain(row: object, omit: readonly string[] = []): PersonalRecord {
  const out: PersonalRecord = {};
  for (const [key, value] of Object.entries(row)) {
    if (omit.includes(key)) continue;
    if (value instanceof Date) out[key] = value.toISOString();
    else if (value === null || value === undefined) out[key] = null;
    else if (typeof value === 'object') out[key] = JSON.stringify(value);
    else out[key] = value as Value;
  }
  return out;
}

type LedgerRow = Awaited<ReturnType<typeof selectPersonalRows>>['ledger'][number];

/** A gift's state from the rows that take it back: received, refunded, partially_refunded, disputed, … */
function ledgerStatus(row: LedgerRow, ledger: LedgerRow[]): string {
  if (row.entry !== 'gift') return row.entry;
  const takeBacks = ledger.filter((r) => r.relatedDonationId === row.id);
  if (takeBacks.length === 0) return 'received';
  const kind = { refund: 'refunded', dispute: 'disputed', reversal: 'reversed', gift: 'received' }[takeBacks[takeBacks.length - 1]!.entry];
  const taken = takeBacks.reduce((sum, r) => sum - r.amount, 0);
  return taken < row.amount ? `partially_${kind}` : kind;
}

/** Everything held about a supporter, as plain values (undefined when there is no such supporter). */
export async function collectPersonalData(db: Db, supporterId: string, now = clockNow()): Promise<PersonalData | undefined> {
  const supporter = await findSupporterById(db, supporterId);
  if (!supporter) return undefined;
  const rows = await selectPersonalRows(db, supporterId);
  return {
    exportedAt: now.toISOString(),
    supporterId,
    profile: plain(supporter, DERIVED),
    consents: rows.consentRows.map((c) => plain(c, ['id', 'supporterId'])),
    subscriptions: rows.subscriptionRows.map((s) =>
      plain({
        id: s.id,
        amount: s.amount,
        status: s.status,
        startedAt: s.createdAt,
        currentPeriodEnd: s.currentPeriodEnd,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
        canceledAt: s.canceledAt,
        stripeSubscriptionId: s.stripeSubscriptionId,
      }),
    ),
    ledger: rows.ledger.map((d) =>
      plain({
        id: d.id,
        entry: d.entry,
        status: ledgerStatus(d, rows.ledger),
        receivedOn: d.receivedOn,
        receivedAt: d.receivedAt,
        amount: d.amount,
        method: d.method,
        channel: d.channel,
        frequency: d.frequency,
        planAmount: d.planAmount,
        receiptNumber: d.receiptNumber,
        relatedDonationId: d.relatedDonationId,
        payerName: d.payerName,
        note: d.note,
      }),
    ),
    emails: rows.emailRows.map((e) => plain({ template: e.template, to: e.toAddress, locale: e.locale, status: e.status, queuedAt: e.createdAt, sentAt: e.sentAt })),
    tags: rows.tags.map((x) => plain(x)),
    notes: rows.notes.map((x) => plain(x)),
    cancellationReasons: rows.reasons.map((x) => plain(x)),
    deletionRequests: rows.requests.map((r) => plain({ status: r.status, requestedAt: r.requestedAt, decidedAt: r.decidedAt })),
    earlierRecords: rows.merges.map((m) => {
      const snapshot = (m.snapshot ?? {}) as { supporter?: Record<string, unknown> };
      return plain({ ...(snapshot.supporter ?? {}), mergedAt: m.createdAt }, DERIVED);
    }),
    newsletters: rows.deliveries.map((d) => plain(d)),
    annualReceipts: rows.receipts.map((r) => plain(r)),
  };
}

const SECTIONS = [
  'profile',
  'consents',
  'subscriptions',
  'ledger',
  'emails',
  'tags',
  'notes',
  'cancellationReasons',
  'deletionRequests',
  'earlierRecords',
  'newsletters',
  'annualReceipts',
] as const;

/** The export as CSV in long form (section,record,field,value): UTF-8 with BOM, CRLF line ends. */
export function personalDataCsv(data: PersonalData): string {
  const lines: Value[][] = [
    ['section', 'record', 'field', 'value'],
    ['export', 1, 'exportedAt', data.exportedAt],
    ['export', 1, 'supporterId', data.supporterId],
  ];
  for (const section of SECTIONS) {
    const records = section === 'profile' ? [data.profile] : data[section];
    records.forEach((record, i) => {
      for (const [field, value] of Object.entries(record)) lines.push([section, i + 1, field, value]);
    });
  }
  return `\uFEFF${lines.map((cells) => csvLine(cells.map((v) => (typeof v === 'boolean' ? String(v) : v)))).join('\r\n')}\r\n`;
}

/** Opens a deletion request for the supporter; false when one is pending already (nothing new). */
export async function requestDeletion(db: Db, supporterId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const requestId = await insertPendingDeletion(tx, supporterId);
    if (!requestId) return false;
    // No ip here: the audit log cannot be erased later, so it keeps nothing personal.
    await recordAudit(tx, { staffId: null, action: 'supporter.deletion_requested', targetType: 'supporter', targetId: supporterId, detail: { requestId } });
    return true;
  });
}

/** Deletion requests for the console: pending first, then decided. */
export async function listDeletionRequests(db: Db) {
  return selectDeletionRequests(db);
}

/** What confirming a request would do: the records erased, the ledger kept, the subscriptions ended. */
export async function previewErasure(db: Db, requestId: string) {
  const request = await findDeletionRequest(db, requestId);
  if (!request) return undefined;
  const merged = await selectMergedInto(db, request.supporterId);
  const ids = [request.supporterId, ...merged];
  const [people, counts, liveSubscriptions, decidedByName] = await Promise.all([
    selectSupporters(db, [request.supporterId]),
    countErasable(db, ids),
    selectSubscriptionsIn(db, ids, LIVE),
    selectStaffName(db, request.decidedBy),
  ]);
  return { request, supporter: people[0]!, mergedRecords: merged.length, counts, liveSubscriptions, decidedByName };
}

export type DecisionResult = 'done' | 'notFound' | 'alreadyDecided';

const stripeCode = (err: unknown) => (err as { code?: unknown } | null)?.code;

/** Ends a subscription at Stripe now; one that has ended there already (or is gone) is fine. */
async function endAtStripe(gateway: StripeGateway, subscriptionId: string): Promise<void> {
  try {
    await gateway.cancelSubscriptionNow(subscriptionId);
  } catch (err) {
    if (stripeCode(err) === 'resource_missing') return;
    // Our mirror may not have heard of a cancellation yet: ask Stripe before giving up.
    const current = await gateway.retrieveSubscription(subscriptionId);
    if (!['canceled', 'incomplete_expired'].includes(current.status)) throw err;
  }
}

/**
 * Erases the person of a pending deletion request (and any records merged into them). Stripe comes
 * first, outside the transaction: their monthly giving ends and the Stripe customer loses name, email
 * and phone; if that fails nothing is erased and the request stays pending. Then, in one transaction,
 * the personal columns are blanked, the rows that carry personal values are scrubbed or deleted, and
 * the ledger keeps every row and yen under the same supporter id. Confirming twice does nothing.
 */
export async function eraseSupporter(db: Db, gateway: StripeGateway, requestId: string, staffId: string, ip?: string): Promise<DecisionResult> {
  const request = await findDeletionRequest(db, requestId);
  if (!request) return 'notFound';
  if (request.status !== 'pending') return 'alreadyDecided';
  const ids = [request.supporterId, ...(await selectMergedInto(db, request.supporterId))];
  const live = await selectSubscriptionsIn(db, ids, LIVE);
  for (const subscription of live) await endAtStripe(gateway, subscription.stripeSubscriptionId);
  for (const person of await selectSupporters(db, ids)) {
    if (!person.stripeCustomerId || person.erasedAt) continue;
    await gateway.redactCustomer(person.stripeCustomerId).catch((err: unknown) => {
      if (stripeCode(err) !== 'resource_missing') throw err;
    });
  }
  return db.transaction(async (tx) => {
    const locked = await lockDeletionRequest(tx, requestId);
    if (locked?.status !== 'pending') return 'alreadyDecided';
    const people = await lockSupporters(tx, ids);
    const counts = await countErasable(tx, ids);
    const at = now();
    for (const person of people) if (!person.erasedAt) await blankSupporter(tx, person.id, erasedAddress(person.id), at);
    await scrubOwnedRows(tx, {
      ids,
      stripeCustomerIds: people.flatMap((p) => (p.stripeCustomerId ? [p.stripeCustomerId] : [])),
      addresses: people.filter((p) => !p.erasedAt).map((p) => p.emailNormalized),
    });
    await completeDeletionRequests(tx, ids, staffId, at);
    // Counts and ids only: the audit log is append-only, so it must hold nothing to erase.
    await recordAudit(tx, {
      staffId,
      action: 'supporter.erased',
      targetType: 'supporter',
      targetId: request.supporterId,
      detail: { requestId, mergedRecords: ids.length - 1, cancelledSubscriptions: live.length, ledgerRows: counts.ledgerRows, ledgerTotal: counts.ledgerTotal },
      ip,
    });
    return 'done';
  });
}

/** Declines a pending deletion request (the person's data stays); a decided request is left as it is. */
export async function declineDeletion(db: Db, requestId: string, staffId: string, ip?: string): Promise<DecisionResult> {
  return db.transaction(async (tx) => {
    const request = await findDeletionRequest(tx, requestId);
    if (!request) return 'notFound';
    const locked = await lockDeletionRequest(tx, requestId);
    if (locked?.status !== 'pending') return 'alreadyDecided';
    await decideDeletionRequest(tx, requestId, 'declined', staffId);
    await recordAudit(tx, { staffId, action: 'supporter.deletion_declined', targetType: 'supporter', targetId: request.supporterId, detail: { requestId }, ip });
    return 'done';
  });
}
