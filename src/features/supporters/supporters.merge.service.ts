import type { Db } from '../../db/client';
import { recordAudit } from '../audit';
import { findSupporter } from './supporters.admin.repo';
import { countMovable, insertMerge, lockPair, markMerged, moveOwnedRows, moveStripeCustomer, type MovableCounts } from './supporters.merge.repo';
import { updateSupporter, type Supporter } from './supporters.repo';
import { refreshSupporterStatus } from './supporters.service';

// Merging a duplicate into the supporter kept: preview what moves, then move it all in one transaction.

export type MergeProblem = 'self' | 'keptMerged' | 'duplicateMerged' | 'notFound';

/** Why these two cannot be merged, or undefined when they can. */
export function mergeProblem(kept: Supporter | undefined, duplicate: Supporter | undefined): MergeProblem | undefined {
  if (!kept || !duplicate) return 'notFound';
  if (kept.id === duplicate.id) return 'self';
  if (kept.mergedIntoId) return 'keptMerged';
  if (duplicate.mergedIntoId) return 'duplicateMerged';
  return undefined;
}

/** Profile fields the kept supporter lacks and the duplicate has: the merge fills them in. */
const fillable = ['familyNameKana', 'givenNameKana', 'organisationName', 'postalCode', 'prefecture', 'address', 'phone'] as const;
export type FillableField = (typeof fillable)[number];

function blanksToFill(kept: Supporter, duplicate: Supporter): Partial<Pick<Supporter, FillableField>> {
  const fill: Partial<Pick<Supporter, FillableField>> = {};
  for (const field of fillable) if (!kept[field] && duplicate[field]) fill[field] = duplicate[field];
  return fill;
}

/** What happens to the Stripe customer link: the kept one stays; the duplicate's moves only when the kept has none. */
export type StripeOutcome = 'none' | 'kept' | 'moved' | 'both';
function stripeOutcome(kept: Supporter, duplicate: Supporter): StripeOutcome {
  if (kept.stripeCustomerId) return duplicate.stripeCustomerId ? 'both' : 'kept';
  return duplicate.stripeCustomerId ? 'moved' : 'none';
}

export interface MergePreview {
  kept: Supporter;
  duplicate: Supporter;
  moves: MovableCounts;
  fills: FillableField[];
  stripe: StripeOutcome;
}

/** What merging `duplicateId` into `keptId` would do, or the reason it cannot be done. */
export async function previewMerge(db: Db, keptId: string, duplicateId: string): Promise<{ preview: MergePreview } | { problem: MergeProblem }> {
  const [kept, duplicate] = await Promise.all([findSupporter(db, keptId), findSupporter(db, duplicateId)]);
  const problem = mergeProblem(kept, duplicate);
  if (problem) return { problem };
  return {
    preview: {
      kept: kept!,
      duplicate: duplicate!,
      moves: await countMovable(db, duplicate!.id),
      fills: Object.keys(blanksToFill(kept!, duplicate!)) as FillableField[],
      stripe: stripeOutcome(kept!, duplicate!),
    },
  };
}

/** Thrown when a merge is refused; nothing has changed. */
export class MergeRefused extends Error {
  constructor(readonly problem: MergeProblem) {
    super(`merge refused: ${problem}`);
  }
}

/**
 * Merges the duplicate into the kept supporter in one transaction: every row moves, a snapshot of the
 * duplicate is kept in supporter_merges, the duplicate points at the kept one, the kept one's status
 * is recomputed, and the audit log says who did it. Any failure leaves both as they were.
 */
export async function mergeSupporters(db: Db, input: { keptId: string; duplicateId: string; staffId: string; ip?: string }): Promise<MovableCounts> {
  return db.transaction(async (tx) => {
    const locked = await lockPair(tx, input.keptId, input.duplicateId);
    const kept = locked.get(input.keptId);
    const duplicate = locked.get(input.duplicateId);
    const problem = mergeProblem(kept, duplicate);
    if (problem) throw new MergeRefused(problem);
    const moves = await countMovable(tx, duplicate!.id);
    const stripe = stripeOutcome(kept!, duplicate!);
    const fills = blanksToFill(kept!, duplicate!);
    await moveOwnedRows(tx, duplicate!.id, kept!.id);
    if (stripe === 'moved') await moveStripeCustomer(tx, duplicate!.id, kept!.id, duplicate!.stripeCustomerId!);
    if (Object.keys(fills).length > 0) await updateSupporter(tx, kept!.id, fills);
    await insertMerge(tx, {
      keptId: kept!.id,
      mergedId: duplicate!.id,
      snapshot: { supporter: duplicate, moved: moves, filled: Object.keys(fills), stripe },
      staffId: input.staffId,
    });
    await markMerged(tx, duplicate!.id, kept!.id);
    await refreshSupporterStatus(tx, duplicate!.id);
    await refreshSupporterStatus(tx, kept!.id);
    await recordAudit(tx, {
      staffId: input.staffId,
      action: 'supporter.merge',
      targetType: 'supporter',
      targetId: kept!.id,
      detail: { mergedId: duplicate!.id, moved: moves, filled: Object.keys(fills), stripe },
      ip: input.ip,
    });
    return moves;
  });
}
