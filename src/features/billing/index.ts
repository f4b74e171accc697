export { createStripeGateway, PLAN_AMOUNTS, lookupKeyFor, idOf, type StripeGateway, type PlanAmount, type Stripe } from './stripe-gateway';
export { ensureCatalog, WEBHOOK_EVENTS } from './catalog';
export { processStripeEvent } from './process-event';
export { insertEventOnce } from './events.repo';
export { paymentIntentIdOfInvoice } from './stripe-objects';
export { webhookRoutes } from './webhook.routes';
export { cardLinkRoutes, cardLinkUrl, verifyCardLink } from './card-link';
