import type { Db } from '../../db/client';
import type { EmailEnrichers } from '../emails';
import { displayName, findSupporterById } from '../supporters';
import { findSubscriptionByRowId } from './ledger.repo';
import { findLastGiftDate } from './subscription-events.repo';

const dateOrNull = (iso: string | null) => (iso ? new Date(iso) : null);

/** Email enrichers of the subscription confirmations: the name, and for a stop the last charge. */
export function subscriptionEmailEnrichers(db: Db, publicUrl: string): Pick<EmailEnrichers, 'plan-changed' | 'cancel-scheduled' | 'cancel-undone'> {
  const meUrl = `${publicUrl}/me`;
  const nameOf = async (subscriptionId: string) => {
    const subscription = await findSubscriptionByRowId(db, subscriptionId);
    const supporter = subscription ? await findSupporterById(db, subscription.supporterId) : undefined;
    return supporter ? displayName(supporter) : '';
  };
  return {
    async 'plan-changed'(params) {
      return {
        context: { name: await nameOf(params.subscriptionId), previousAmount: params.previousAmount, amount: params.amount, effectiveAt: dateOrNull(params.appliesAt), meUrl },
      };
    },
    async 'cancel-scheduled'(params) {
      const lastPaidAt = (await findLastGiftDate(db, params.subscriptionId)) ?? null;
      return { context: { name: await nameOf(params.subscriptionId), amount: params.amount, endsAt: new Date(params.stopsAt), lastPaidAt, meUrl } };
    },
    async 'cancel-undone'(params) {
      return { context: { name: await nameOf(params.subscriptionId), amount: params.amount, nextAt: dateOrNull(params.nextChargeAt), meUrl } };
    },
  };
}
