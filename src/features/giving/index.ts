export { applySubscription, notifyPaymentFailed, type SubscriptionSnapshot } from './subscriptions.service';
export { recordGift, recordTakeBack, GiftNotRecordedYet, type GiftInput } from './ledger.service';
export { markCheckoutCompleted, findDonation, findSubscriptionsOf, type Donation, type SubscriptionRow } from './ledger.repo';
export { createSupporterCounter, type SupporterCounter } from './giving.service';
export { givingRoutes } from './giving.routes';
export { givingEmailEnrichers, renderGiftReceipt } from './receipts';
