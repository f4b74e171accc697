import type Stripe from 'stripe';
import { advanceSubscription } from './billing';
import { checkCard } from './cards';
import { payCheckoutSession } from './checkout';
import { replaceDefaultCard } from './customers';
import { invalidParam, missingParam, noSuch } from './errors';
import { json, type Router } from './http';
import { str, type Params } from './params';
import { disputeCharge } from './payments';
import { createWebhookEndpoint } from './routes-payments';
import type { Store } from './store';
import type { WebhookDispatcher } from './webhooks';

/** What a test or the sandbox can do that Stripe's API cannot (the hosted page, a test clock, a dispute). */
export interface EmulatorControls {
  addWebhookEndpoint(url: string, secret?: string): { id: string; secret: string };
  payCheckoutSession(sessionId: string, card: string): Promise<{ ok: boolean; redirectUrl?: string; error?: string }>;
  advanceSubscription(subscriptionId: string): Promise<{ invoiceId?: string }>;
  setCustomerCard(customerId: string, card: string): void;
  createDispute(chargeId: string): Promise<string>;
  events(): Stripe.Event[];
  deliverEvent(eventId: string, endpointUrl?: string): Promise<number>;
}

const problemCodes: Record<string, string> = {
  declined: 'card_declined',
  invalid_number: 'invalid_number',
  invalid_expiry: 'invalid_expiry_year',
  expired: 'expired_card',
  invalid_cvc: 'invalid_cvc',
  missing_email: 'email_invalid',
  not_open: 'checkout_session_not_open',
};

/** The controls over one store and its webhook dispatcher. */
export function createControls(store: Store, dispatcher: WebhookDispatcher): EmulatorControls {
  return {
    addWebhookEndpoint(url, secret) {
      // One endpoint per URL, so a restarted sandbox that registers itself again does not get every event twice.
      const existing = Object.values(store.state.webhookEndpoints).find((e) => e.url === url);
      if (existing) {
        if (secret) existing.secret = secret;
        existing.status = 'enabled';
        store.put('webhookEndpoints', existing);
        return { id: existing.id, secret: existing.secret ?? '' };
      }
      const endpoint = createWebhookEndpoint(store, secret ? { url, secret } : { url });
      return { id: endpoint.id, secret: endpoint.secret ?? '' };
    },
    async payCheckoutSession(sessionId, card) {
      const result = payCheckoutSession(store, sessionId, { card: { number: card }, defaultEmail: 'test@example.com' });
      return result.ok ? { ok: true, redirectUrl: result.redirectUrl } : { ok: false, error: problemCodes[result.problem] ?? result.problem };
    },
    async advanceSubscription(subscriptionId) {
      return advanceSubscription(store, subscriptionId);
    },
    setCustomerCard(customerId, card) {
      const check = checkCard({ number: card });
      if (!check.ok) throw invalidParam('card', `Unknown test card: ${card}`, 'invalid_number');
      replaceDefaultCard(store, customerId, check.card);
    },
    async createDispute(chargeId) {
      return disputeCharge(store, chargeId).id;
    },
    events() {
      return [...store.state.events];
    },
    async deliverEvent(eventId, endpointUrl) {
      const event = store.state.events.find((e) => e.id === eventId);
      if (!event) throw noSuch('event', eventId);
      if (endpointUrl !== undefined && !Object.values(store.state.webhookEndpoints).some((e) => e.url === endpointUrl)) {
        throw invalidParam('url', `No webhook endpoint at ${endpointUrl}`);
      }
      return dispatcher.deliverNow(event, endpointUrl);
    },
  };
}

/** Mounts the controls under /_emulator (same API key as the REST API). */
export function mountEmulatorRoutes(router: Router, controls: EmulatorControls): void {
  const requireCard = (input: Params) => {
    const card = str(input, 'card');
    if (!card) throw missingParam('card');
    return card;
  };
  router.api('POST', '/_emulator/webhook_endpoints', ({ input }) => {
    const url = str(input, 'url');
    if (!url) throw missingParam('url');
    return json(controls.addWebhookEndpoint(url, str(input, 'secret') || undefined));
  });
  router.api('POST', '/_emulator/checkout/sessions/:id/pay', async ({ params, input }) => json(await controls.payCheckoutSession(params.id!, requireCard(input))));
  router.api('POST', '/_emulator/subscriptions/:id/advance', async ({ params }) => {
    const { invoiceId } = await controls.advanceSubscription(params.id!);
    return json({ invoiceId: invoiceId ?? null });
  });
  router.api('POST', '/_emulator/customers/:id/card', ({ params, input }) => {
    controls.setCustomerCard(params.id!, requireCard(input));
    return json({ ok: true });
  });
  router.api('POST', '/_emulator/charges/:id/dispute', async ({ params }) => json({ disputeId: await controls.createDispute(params.id!) }));
  router.api('POST', '/_emulator/events/:id/deliver', async ({ params, input }) => json({ status: await controls.deliverEvent(params.id!, str(input, 'url') || undefined) }));
  router.api('GET', '/_emulator/events', ({ input }) => {
    const type = str(input, 'type');
    const data = controls.events().filter((e) => !type || e.type === type);
    return json({ object: 'list', data, has_more: false, url: '/_emulator/events' });
  });
}
