export { createStripeGateway, PLAN_AMOUNTS, lookupKeyFor, idOf, type StripeGateway, type PlanAmount } from './stripe-gateway';
export { ensureCatalog, WEBHOOK_EVENTS } from './catalog';
export { processStripeEvent } from './process-event';
export { webhookRoutes } from './webhook.routes';
export { cardLinkRoutes, cardLinkUrl, verifyCardLink } from './card-link';
