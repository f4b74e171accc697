export { queueEmail, deliverEmail, type QueueEmailInput, type DeliverDeps } from './emails.service';
export { findEmail, type EmailRow } from './emails.repo';
