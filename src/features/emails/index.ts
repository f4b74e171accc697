export { queueEmail, deliverEmail, type QueueEmailInput, type DeliverDeps, type EmailEnricher, type EmailExtras } from './emails.service';
export { findEmail, type EmailRow } from './emails.repo';
