import type Stripe from 'stripe';
import type { Db } from '../../db/client';
import { applySubscription, markCheckoutCompleted, recordSubscriptionChanges, notifyPaymentFailed, recordGift, recordTakeBack } from '../giving';
import { askToConfirmSignups, confirmSignupsByPayment, findSupporterByStripeCustomer, findSupporterById, followMerges, linkStripeCustomer } from '../supporters';
import { fromUnix } from '../../lib/dates';
import { chargeFacts, paymentIntentIdOfInvoice, snapshotOf, subscriptionChangesOf, subscriptionIdOfInvoice } from './stripe-objects';
import { idOf, type StripeGateway } from './stripe-gateway';

export interface HandlerDeps {
  db: Db;
  gateway: StripeGateway;
}

/** The stored event a handler runs for: its id, type, Stripe's `created` and what changed. */
export interface HandledEvent {
  id: string;
  type: string;
  occurredAt: Date;
  previousAttributes?: Record<string, unknown>;
}

type Handler = (deps: HandlerDeps, object: { id: string }, event: HandledEvent) => Promise<string | void>;

/** Thrown when an event cannot be tied to a supporter; retried, then left visible in stripe_events. */
export class UnknownSupporter extends Error {}

// Every handler re-reads the object from Stripe (the current truth), reads before it opens a
// transaction, and writes through unique keys, so duplicates and any order give one result.

async function supporterFor(deps: HandlerDeps, metadataId: string | undefined, customerId: string | undefined): Promise<string> {
  // A supporter merged into another after joining: their gifts go to the one kept.
  const byMetadata = metadataId ? await findSupporterById(deps.db, metadataId) : undefined;
  if (byMetadata) return (await followMerges(deps.db, byMetadata)).id;
  if (customerId) {
    const byCustomer = await findSupporterByStripeCustomer(deps.db, customerId);
    if (byCustomer) return (await followMerges(deps.db, byCustomer)).id;
  }
  throw new UnknownSupporter(`no supporter for customer ${customerId ?? '?'} / metadata ${metadataId ?? '?'}`);
}

/** Stores Stripe's current state of a subscription and, for a subscription event, the history it reports. */
async function syncSubscription(deps: HandlerDeps, subscriptionId: string, reported?: { event: HandledEvent; object: object }) {
  const sub = await deps.gateway.retrieveSubscription(subscriptionId);
  const supporterId = await supporterFor(deps, sub.metadata?.supporter_id, idOf(sub.customer));
  return deps.db.transaction(async (tx) => {
    await linkStripeCustomer(tx, supporterId, idOf(sub.customer)!);
    const row = await applySubscription(tx, snapshotOf(sub, supporterId));
    if (reported) {
      const changes = subscriptionChangesOf(reported.event.type, reported.object, reported.event.previousAttributes);
      await recordSubscriptionChanges(tx, row, { stripeEventId: reported.event.id, occurredAt: reported.event.occurredAt }, changes);
    }
    return row;
  });
}

const checkoutCompleted: Handler = async (deps, object) => {
  const session = await deps.gateway.retrieveCheckoutSession(object.id);
  const supporterId = await supporterFor(deps, session.metadata?.supporter_id ?? session.client_reference_id ?? undefined, idOf(session.customer));
  const customerId = idOf(session.customer);
  if (customerId) await deps.db.transaction((tx) => linkStripeCustomer(tx, supporterId, customerId));
  if (session.mode === 'subscription' && session.subscription) {
    await syncSubscription(deps, idOf(session.subscription)!);
  } else if (session.mode === 'payment' && session.payment_status === 'paid' && session.payment_intent) {
    const intent = await deps.gateway.retrievePaymentIntent(idOf(session.payment_intent)!);
    const charge = intent.latest_charge as Stripe.Charge | null;
    if (!charge) throw new Error(`payment intent ${intent.id} has no charge yet`);
    const facts = chargeFacts(charge);
    await deps.db.transaction((tx) =>
      recordGift(tx, {
        supporterId,
        amount: intent.amount_received || intent.amount,
        fee: facts.fee,
        method: facts.method,
        frequency: 'one_time',
        planAmount: null,
        stripePaymentIntentId: intent.id,
        stripeChargeId: facts.chargeId,
        receivedAt: facts.paidAt,
      }),
    );
  }
  await deps.db.transaction(async (tx) => {
    await markCheckoutCompleted(tx, session.id);
    // The form's newsletter box counts once its payment is in (an async method still unpaid waits).
    if (session.payment_status !== 'unpaid') await confirmSignupsByPayment(tx, session.id);
  });
};

// A Checkout left unpaid: a newsletter box ticked on its form is asked about by email (double opt-in).
const checkoutExpired: Handler = async (deps, object) => {
  const session = await deps.gateway.retrieveCheckoutSession(object.id);
  if (session.status !== 'expired') return 'session not expired';
  await deps.db.transaction((tx) => askToConfirmSignups(tx, session.id));
};

const invoicePaid: Handler = async (deps, object) => {
  const invoice = await deps.gateway.retrieveInvoice(object.id);
  if (invoice.status !== 'paid' || invoice.amount_paid <= 0) return 'not a paid invoice with an amount';
  const subscriptionId = subscriptionIdOfInvoice(invoice);
  const intentId = paymentIntentIdOfInvoice(invoice);
  if (!subscriptionId || !intentId) return 'invoice without subscription or payment';
  const intent = await deps.gateway.retrievePaymentIntent(intentId);
  const charge = intent.latest_charge as Stripe.Charge | null;
  if (!charge) throw new Error(`payment intent ${intentId} has no charge yet`);
  const subscription = await syncSubscription(deps, subscriptionId);
  const facts = chargeFacts(charge);
  await deps.db.transaction((tx) =>
    recordGift(tx, {
      supporterId: subscription.supporterId,
      amount: invoice.amount_paid,
      fee: facts.fee,
      method: facts.method,
      frequency: 'monthly',
      planAmount: subscription.amount,
      subscriptionId: subscription.id,
      stripeInvoiceId: invoice.id,
      stripePaymentIntentId: intentId,
      stripeChargeId: facts.chargeId,
      receivedAt: invoice.status_transitions?.paid_at ? fromUnix(invoice.status_transitions.paid_at) : facts.paidAt,
    }),
  );
};

const invoicePaymentFailed: Handler = async (deps, object) => {
  const invoice = await deps.gateway.retrieveInvoice(object.id);
  const subscriptionId = subscriptionIdOfInvoice(invoice);
  if (!subscriptionId) return 'invoice without subscription';
  const subscription = await syncSubscription(deps, subscriptionId);
  await deps.db.transaction((tx) =>
    notifyPaymentFailed(tx, { supporterId: subscription.supporterId, invoiceId: invoice.id!, attempt: invoice.attempt_count, amount: invoice.amount_due }),
  );
};

const subscriptionChanged: Handler = async (deps, object, event) => {
  await syncSubscription(deps, object.id, { event, object });
};

const chargeRefunded: Handler = async (deps, object) => {
  const charge = await deps.gateway.retrieveCharge(object.id);
  for (const refund of charge.refunds?.data ?? []) {
    if (refund.status !== 'succeeded') continue;
    await deps.db.transaction((tx) =>
      recordTakeBack(tx, {
        entry: 'refund',
        stripeChargeId: charge.id,
        stripeRefundId: refund.id,
        amount: refund.amount,
        at: fromUnix(refund.created),
        note: refund.metadata?.note || undefined,
      }),
    );
  }
};

const disputeCreated: Handler = async (deps, object) => {
  const dispute = await deps.gateway.retrieveDispute(object.id);
  await deps.db.transaction((tx) =>
    recordTakeBack(tx, {
      entry: 'dispute',
      stripeChargeId: idOf(dispute.charge)!,
      stripeDisputeId: dispute.id,
      amount: dispute.amount,
      at: fromUnix(dispute.created),
      note: dispute.reason,
    }),
  );
};

/** The events we act on (see README.md in this folder); any other type is stored and ignored. */
export const eventHandlers: Record<string, Handler> = {
  'checkout.session.completed': checkoutCompleted,
  'checkout.session.expired': checkoutExpired,
  'invoice.paid': invoicePaid,
  'invoice.payment_failed': invoicePaymentFailed,
  'customer.subscription.created': subscriptionChanged,
  'customer.subscription.updated': subscriptionChanged,
  'customer.subscription.deleted': subscriptionChanged,
  'charge.refunded': chargeRefunded,
  'charge.dispute.created': disputeCreated,
};
