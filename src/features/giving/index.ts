export { applySubscription, notifyPaymentFailed, type SubscriptionSnapshot } from './subscriptions.service';
export { recordGift, recordTakeBack, GiftNotRecordedYet, type GiftInput } from './ledger.service';
export { markCheckoutCompleted, findDonation, findSubscriptionsOf, type Donation, type SubscriptionRow } from './ledger.repo';
export { createSupporterCounter, startMonthlyCheckoutFor, startGiftCheckoutFor, AlreadyMonthly, type SupporterCounter, type CheckoutDeps } from './giving.service';
export { MIN_GIFT, MAX_GIFT } from './giving.schemas';
export { givingRoutes } from './giving.routes';
export { givingEmailEnrichers, renderGiftReceipt, methodLabel } from './receipts';
export { renderReceiptPdf } from './receipt-pdf';
