export { queueEmail, deliverEmail, type QueueEmailInput, type DeliverDeps, type EmailEnricher, type EmailEnrichers, type EmailExtras } from './emails.service';
export { findEmail, type EmailRow } from './emails.repo';
