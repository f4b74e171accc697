import type { Settings } from '../../../config/organisation';
import type { Tx } from '../../db/client';
import { pick, t, type Locale } from '../../lib/i18n';
import { methodLabel, receiptIssuer, renderReceiptPdf } from '../giving';
import type { ReceiptPdfInput } from '../giving';
import { postalLine } from '../exports';
import { displayName, type Supporter } from '../supporters';
import { findReceiptById, type AnnualReceipt } from './annual-receipts.repo';
import { givingInYear, type YearGiving, type YearLine } from './year-giving';

function describeLine(line: YearLine, locale: Locale): string {
  if (line.entry !== 'gift') return t(locale, `annual.receipt.${line.entry}`);
  return line.frequency === 'monthly'
    ? t(locale, 'giving.receipt.monthly', { plan: (line.planAmount ?? line.amount).toLocaleString('ja-JP') })
    : t(locale, 'giving.receipt.oneTime');
}

/** The supporter's postal address as one line, or undefined when they gave none. */
export function addressOf(supporter: Pick<Supporter, 'postalCode' | 'prefecture' | 'address'>): string | undefined {
  const street = `${supporter.prefecture ?? ''}${supporter.address ?? ''}`.trim();
  if (!street) return undefined;
  return supporter.postalCode ? `${postalLine(supporter.postalCode)} ${street}` : street;
}

/**
 * The combined receipt (合計領収書) of a year as a PDF: each ledger row of the year, the total, the
 * receipt's number (and the voided number it replaces), in the supporter's language.
 */
export async function renderAnnualReceipt(tx: Tx, settings: Settings, supporter: Supporter, receipt: AnnualReceipt, locale: Locale, giving?: YearGiving): Promise<Buffer> {
  return renderReceiptPdf(await annualReceiptInput(tx, settings, supporter, receipt, locale, giving));
}

/** What the combined receipt shows, from the ledger (read here unless the year's giving is given) and settings. */
export async function annualReceiptInput(tx: Tx, settings: Settings, supporter: Supporter, receipt: AnnualReceipt, locale: Locale, known?: YearGiving): Promise<ReceiptPdfInput> {
  const giving = known ?? (await givingInYear(tx, supporter.id, receipt.year));
  const replaced = receipt.replacesId ? await findReceiptById(tx, receipt.replacesId) : undefined;
  return {
    locale,
    kind: 'annual',
    receiptNumber: receipt.number,
    issuedOn: receipt.issuedAt,
    year: receipt.year,
    recipient: { name: displayName(supporter, locale), address: addressOf(supporter), isOrganisation: supporter.kind === 'organisation' },
    issuer: await receiptIssuer(tx, settings, locale),
    lines: giving.lines.map((line) => ({ date: line.date, amount: line.amount, description: describeLine(line, locale), method: methodLabel(line.method, locale) })),
    total: giving.total,
    note: pick(settings.receipt.taxNote, locale),
    replacesReceiptNumber: replaced?.number,
  };
}
