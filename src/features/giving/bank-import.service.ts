import crypto from 'node:crypto';
import path from 'node:path';
import type { Db } from '../../db/client';
import { emailKey } from '../../lib/email-address';
import { isKatakana } from '../../lib/text';
import { recordAudit } from '../audit';
import { findSupporterByEmail } from '../supporters';
import { fingerprintLines, readStatement, type LineProblem } from './bank-csv';
import {
  findBookedFingerprints,
  findImport,
  findImportBySha,
  findImportLine,
  findUsableSupporterIds,
  insertImportLines,
  insertImportOnce,
  listImportLines,
  findPayerCandidates,
  lockImport,
  markImportConfirmed,
  updateImportLine,
  type BankImport,
  type BankImportLine,
  type PayerCandidate,
} from './bank-import.repo';
import { findSupporterHits, type SupporterHit } from './offline-gifts.repo';
import type { LineChoice, NewSupporterFields } from './offline-gifts.schemas';
import { addSupporterByStaff, bookOfflineGift, type StaffContext } from './offline-gifts.service';
import { bestCandidate, indexCandidates, lookupKeys, nameKey, rankCandidates, type MatchReason } from './payer-match';

/** The candidates of these statement lines, indexed for ranking (one lookup for the whole statement). */
async function candidatesOf(db: Db, lines: { payerName: string }[]) {
  const found = await findPayerCandidates(
    db,
    lines.flatMap((l) => lookupKeys(l.payerName)),
    lines.map((l) => l.payerName),
  );
  return { found, index: indexCandidates(found) };
}

export type UploadOutcome =
  | { kind: 'created'; importId: string }
  | { kind: 'already'; importId: string }
  | { kind: 'rejected'; reason: 'binary' | 'noHeader' | 'noLines' | 'tooManyLines' | 'lines'; problems: LineProblem[] };

function cleanFilename(name: string): string {
  return (
    path
      .basename(name.replace(/\\/g, '/'))
      .replace(/[\u0000-\u001F\u007F]/g, '')
      .slice(0, 200) || 'statement.csv'
  );
}

/**
 * Stores an uploaded statement for review: nothing at all when any line is malformed; the earlier
 * import when the same file was uploaded before. Each line gets its fingerprint, 'duplicate' when
 * the ledger has it already, and the supporter its payer name suggests.
 */
export async function uploadStatement(db: Db, file: { bytes: Buffer; filename: string }, by: StaffContext, today: string): Promise<UploadOutcome> {
  const sha = crypto.createHash('sha256').update(file.bytes).digest('hex');
  const earlier = await findImportBySha(db, sha);
  if (earlier) return { kind: 'already', importId: earlier.id };
  const statement = readStatement(file.bytes, today);
  if (!statement.ok) return { kind: 'rejected', reason: statement.reason, problems: statement.problems };

  const lines = fingerprintLines(statement.lines);
  const { index } = await candidatesOf(db, lines);
  return db.transaction(async (tx) => {
    const booked = await findBookedFingerprints(
      tx,
      lines.map((l) => l.fingerprint),
    );
    const stored = await insertImportOnce(tx, { fileSha256: sha, filename: cleanFilename(file.filename), encoding: statement.encoding, uploadedBy: by.staffId });
    if (!stored) return { kind: 'already' as const, importId: (await findImportBySha(tx, sha))!.id };
    await insertImportLines(
      tx,
      lines.map((l) => ({
        importId: stored.id,
        lineNo: l.lineNo,
        receivedOn: l.receivedOn,
        amount: l.amount,
        payerName: l.payerName,
        fingerprint: l.fingerprint,
        suggestedSupporterId: bestCandidate(rankCandidates(l.payerName, l.amount, index))?.id ?? null,
        status: booked.has(l.fingerprint) ? ('duplicate' as const) : ('pending' as const),
      })),
    );
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'import.upload',
      targetType: 'bank_import',
      targetId: stored.id,
      detail: { filename: stored.filename, encoding: statement.encoding, lines: lines.length, duplicates: booked.size, ignored: statement.ignored },
      ip: by.ip,
    });
    return { kind: 'created' as const, importId: stored.id };
  });
}

export interface ReviewCandidate {
  supporter: SupporterHit;
  /** Why it is suggested, strongest first ('chosen': staff picked it, no name match). */
  reasons: (MatchReason | 'chosen')[];
}

export interface ReviewLine {
  line: BankImportLine;
  /** The supporter the line will be recorded for unless staff choose otherwise. */
  suggestion?: ReviewCandidate;
  /** Other supporters whose name matches, for the choice list. */
  others: ReviewCandidate[];
  recordedFor?: SupporterHit;
}

/** An import with each line, its suggestion and the other name matches. */
export async function loadReview(db: Db, importId: string): Promise<{ imp: BankImport & { uploadedByName: string | null }; lines: ReviewLine[] } | undefined> {
  const imp = await findImport(db, importId);
  if (!imp) return undefined;
  const lines = await listImportLines(db, imp.id);
  const { found, index } = await candidatesOf(
    db,
    lines.filter((l) => l.status === 'pending'),
  );
  const byId = new Map<string, SupporterHit>(found.map((c: PayerCandidate) => [c.id, c]));
  // Chosen supporters whose name does not match, and those lines were recorded for, are loaded by id.
  const missing = new Set<string>();
  for (const l of lines) if (l.suggestedSupporterId && !byId.has(l.suggestedSupporterId)) missing.add(l.suggestedSupporterId);
  for (const hit of await findSupporterHits(db, [...missing])) byId.set(hit.id, hit);

  return {
    imp,
    lines: lines.map((line) => {
      if (line.status !== 'pending') return { line, others: [], recordedFor: line.suggestedSupporterId ? byId.get(line.suggestedSupporterId) : undefined };
      const ranked = rankCandidates(line.payerName, line.amount, index);
      const chosen = line.suggestedSupporterId ? byId.get(line.suggestedSupporterId) : undefined;
      const reasonsOf = (id: string): ReviewCandidate['reasons'] => ranked.find((r) => r.id === id)?.reasons ?? ['chosen'];
      const suggestion: ReviewCandidate | undefined = chosen ? { supporter: chosen, reasons: reasonsOf(chosen.id) } : undefined;
      const others = ranked
        .filter((r) => r.id !== chosen?.id && byId.has(r.id))
        .slice(0, 8)
        .map((r) => ({ supporter: byId.get(r.id)!, reasons: r.reasons }));
      return { line, suggestion, others };
    }),
  };
}

/** 姓 and 名 from a bank payer name (ヤマダ ハナコ); a company (カ) …) becomes an organisation. */
function supporterFromPayer(payer: string) {
  const name = payer.replace(/^(?:フリコミ|振込み?)\s*/, '').trim();
  // Banks abbreviate the legal form next to a bracket: カ) ウエルジー, ウエルジー(カ, トクヒ) …
  const isCompany = /(^|\s)[\u30A1-\u30FC]{1,4}\)|\([\u30A1-\u30FC]{1,4}(\)|\s|$)/.test(name);
  const [family = name, ...rest] = name.split(' ');
  const given = rest.join(' ');
  const kana = !isCompany && isKatakana(name);
  return {
    familyName: isCompany ? name : family,
    givenName: isCompany ? '' : given,
    familyNameKana: kana ? family : '',
    givenNameKana: kana ? given : '',
    organisationName: isCompany ? name : '',
    // The bank does not tell us an email: a reserved, never-delivered address (RFC 6761 .invalid) until staff add the real one.
    email: `bank-${crypto.randomBytes(6).toString('hex')}@no-email.invalid`,
  };
}

export type ConfirmOutcome =
  | { ok: true; recorded: number; skipped: number; duplicates: number; newSupporters: number; pending: number }
  | { ok: false; problem: 'notFound' }
  | { ok: false; problem: 'badSupporter'; lineId: number };

/**
 * Records the chosen lines of a statement as offline gifts, in one transaction: each line's
 * fingerprint keeps a transfer from being booked twice (it is marked 'duplicate' instead).
 */
export async function confirmImport(db: Db, importId: string, choices: Map<number, LineChoice>, by: StaffContext): Promise<ConfirmOutcome> {
  return db.transaction(async (tx) => {
    const imp = await lockImport(tx, importId);
    if (!imp) return { ok: false as const, problem: 'notFound' as const };
    const pending = (await listImportLines(tx, imp.id)).filter((l) => l.status === 'pending');
    const chosen = pending.filter((l) => choices.has(l.id));
    const wanted = chosen.flatMap((l) => {
      const choice = choices.get(l.id)!;
      return choice.kind === 'supporter' ? [{ lineId: l.id, supporterId: choice.supporterId }] : [];
    });
    const usable = await findUsableSupporterIds(
      tx,
      wanted.map((w) => w.supporterId),
    );
    const bad = wanted.find((w) => !usable.has(w.supporterId));
    if (bad) return { ok: false as const, problem: 'badSupporter' as const, lineId: bad.lineId };

    const counts = { recorded: 0, skipped: 0, duplicates: 0, newSupporters: 0 };
    // Two lines from one unknown payer make one new supporter, not two.
    const added = new Map<string, string>();
    for (const line of chosen) {
      const choice = choices.get(line.id)!;
      if (choice.kind === 'skip') {
        await updateImportLine(tx, line.id, { status: 'skipped' });
        counts.skipped++;
        continue;
      }
      let supporterId = choice.kind === 'supporter' ? choice.supporterId : added.get(nameKey(line.payerName));
      if (!supporterId) {
        const supporter = await addSupporterByStaff(tx, supporterFromPayer(line.payerName));
        await recordAudit(tx, {
          staffId: by.staffId,
          action: 'supporter.create',
          targetType: 'supporter',
          targetId: supporter.id,
          detail: { source: 'bank_import', importId: imp.id },
          ip: by.ip,
        });
        added.set(nameKey(line.payerName), supporter.id);
        supporterId = supporter.id;
        counts.newSupporters++;
      }
      const gift = await bookOfflineGift(
        tx,
        { supporterId, receivedOn: line.receivedOn, amount: line.amount, method: 'bank_transfer', payerName: line.payerName, note: null, bankFingerprint: line.fingerprint },
        by,
      );
      if (gift) counts.recorded++;
      else counts.duplicates++;
      await updateImportLine(tx, line.id, gift ? { status: 'recorded', donationId: gift.id, suggestedSupporterId: supporterId } : { status: 'duplicate' });
    }
    const left = pending.length - chosen.length;
    if (left === 0) await markImportConfirmed(tx, imp.id);
    await recordAudit(tx, { staffId: by.staffId, action: 'import.confirm', targetType: 'bank_import', targetId: imp.id, detail: { ...counts, pending: left }, ip: by.ip });
    return { ok: true as const, ...counts, pending: left };
  });
}

/** Sets the supporter a pending line will be recorded for (an existing one, or one added now). */
export async function chooseLineSupporter(
  db: Db,
  importId: string,
  lineId: string,
  choice: { kind: 'existing'; id: string } | ({ kind: 'new' } & NewSupporterFields),
  by: StaffContext,
): Promise<'ok' | 'notFound' | 'notPending' | 'badSupporter' | 'emailTaken'> {
  return db.transaction(async (tx) => {
    const line = await findImportLine(tx, importId, lineId);
    if (!line) return 'notFound';
    if (line.status !== 'pending') return 'notPending';
    let supporterId: string;
    if (choice.kind === 'existing') {
      if (!(await findUsableSupporterIds(tx, [choice.id])).has(choice.id)) return 'badSupporter';
      supporterId = choice.id;
    } else {
      if (await findSupporterByEmail(tx, emailKey(choice.email))) return 'emailTaken';
      const supporter = await addSupporterByStaff(tx, choice);
      await recordAudit(tx, {
        staffId: by.staffId,
        action: 'supporter.create',
        targetType: 'supporter',
        targetId: supporter.id,
        detail: { source: 'bank_import', importId },
        ip: by.ip,
      });
      supporterId = supporter.id;
    }
    await updateImportLine(tx, line.id, { suggestedSupporterId: supporterId });
    return 'ok';
  });
}
