import type Stripe from 'stripe';
import { chargeOutcome } from './cards';
import { invalidParam, invalidRequest, noSuch } from './errors';
import { buildBalanceTransaction, buildCharge, buildDispute, buildRefund, refundList } from './objects-payments';
import { clone, nowSeconds, type Store } from './store';

export type PaymentAttempt = { ok: true; charge: Stripe.Charge } | { ok: false; charge: Stripe.Charge; declineCode: string; message: string };

/**
 * Charges the card of a payment method for a payment intent: a charge (with its balance transaction when
 * paid), the intent's new status, and the events charge.succeeded + payment_intent.succeeded (or
 * charge.failed + payment_intent.payment_failed).
 */
export function attemptPayment(store: Store, pi: Stripe.PaymentIntent, paymentMethodId: string, at: number): PaymentAttempt {
  const card = store.state.cards[paymentMethodId];
  const pm = store.state.paymentMethods[paymentMethodId];
  if (!card || !pm) throw noSuch('payment_method', paymentMethodId, 'payment_method');
  const billing = { email: pm.billing_details.email, name: pm.billing_details.name };
  const outcome = chargeOutcome(card);
  pi.payment_method = paymentMethodId;

  if (outcome.ok) {
    const charge = buildCharge({ paymentIntent: pi, card, paymentMethod: paymentMethodId, billing, created: at });
    const bt = buildBalanceTransaction({ amount: charge.amount, currency: charge.currency, source: charge.id, type: 'charge', description: pi.description, created: at });
    charge.balance_transaction = bt.id;
    store.put('balanceTransactions', bt);
    store.put('charges', charge);
    const paid: Partial<Stripe.PaymentIntent> = { status: 'succeeded', amount_received: pi.amount, latest_charge: charge.id, last_payment_error: null };
    Object.assign(pi, paid);
    store.put('paymentIntents', pi);
    store.emit('charge.succeeded', charge);
    store.emit('payment_intent.succeeded', pi);
    return { ok: true, charge };
  }

  const failure = { code: 'card_declined', declineCode: outcome.declineCode, message: outcome.message };
  const charge = buildCharge({ paymentIntent: pi, card, paymentMethod: paymentMethodId, billing, created: at, failure });
  store.put('charges', charge);
  const declined: Partial<Stripe.PaymentIntent> = {
    status: 'requires_payment_method',
    latest_charge: charge.id,
    last_payment_error: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: outcome.declineCode,
      message: outcome.message,
      charge: charge.id,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      payment_method: clone(pm),
    },
  };
  Object.assign(pi, declined);
  store.put('paymentIntents', pi);
  store.emit('charge.failed', charge);
  store.emit('payment_intent.payment_failed', pi);
  return { ok: false, charge, declineCode: outcome.declineCode, message: outcome.message };
}

/** The refunds of a charge, newest first. */
export function refundsOf(store: Store, chargeId: string): Stripe.Refund[] {
  return Object.values(store.state.refunds)
    .filter((r) => r.charge === chargeId)
    .reverse();
}

/** Refunds all or part of a charge; emits charge.refunded (with the refunds list) and refund.created. */
export function refundCharge(store: Store, charge: Stripe.Charge, input: { amount?: number; reason: Stripe.Refund.Reason | null; metadata: Stripe.Metadata }): Stripe.Refund {
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, 'charge_not_refundable');
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, 'charge_disputed');
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  const amount = input.amount ?? remaining;
  if (amount <= 0) throw invalidParam('amount', 'Invalid positive integer', 'parameter_invalid_integer');
  if (amount > remaining) {
    throw invalidParam('amount', `Refund amount (¥${amount}) is greater than unrefunded amount on charge (¥${remaining})`, 'amount_too_large');
  }
  const at = nowSeconds();
  const refund = buildRefund(charge, amount, input.reason, input.metadata, at);
  const bt = buildBalanceTransaction({ amount: -amount, currency: charge.currency, source: refund.id, type: 'refund', description: 'REFUND FOR CHARGE', created: at });
  refund.balance_transaction = bt.id;
  store.put('balanceTransactions', bt);
  store.put('refunds', refund);

  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  store.put('charges', charge);
  store.emit('charge.refunded', { ...charge, refunds: refundList(charge, refundsOf(store, charge.id)) }, previous);
  store.emit('refund.created', refund);
  return refund;
}

/** Opens a dispute over a whole charge (reason fraudulent); emits charge.dispute.created. */
export function disputeCharge(store: Store, chargeId: string): Stripe.Dispute {
  const charge = store.state.charges[chargeId];
  if (!charge) throw noSuch('charge', chargeId, 'charge');
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${chargeId} was not paid and cannot be disputed.`);
  if (charge.disputed) throw invalidRequest(`Charge ${chargeId} is already disputed.`);
  const at = nowSeconds();
  const withdrawal = buildBalanceTransaction({
    amount: -charge.amount,
    currency: charge.currency,
    source: '',
    type: 'adjustment',
    description: `Chargeback withdrawal for ${chargeId}`,
    created: at,
  });
  const dispute = buildDispute(charge, withdrawal, at);
  withdrawal.source = dispute.id;
  store.put('balanceTransactions', withdrawal);
  store.put('disputes', dispute);
  charge.disputed = true;
  store.put('charges', charge);
  store.emit('charge.dispute.created', dispute);
  return dispute;
}
