export { unsubscribeRoutes } from './unsubscribe.routes';
export { archiveRoutes } from './archive.routes';
export { clickRoutes } from './clicks.routes';
export { newsletterAdminRoutes } from './newsletters.admin.routes';
export {
  startSending,
  pauseSending,
  resumeSending,
  resendFailed,
  deliveryProgress,
  listDeliveries,
  DELIVERIES_PAGE_SIZE,
  type DeliveryProgress,
  type DeliveryListItem,
  type DeliveryStatus,
} from './sending.service';
export { sendNewsletter, type SendDeps, type SendResult, type ComposerFactory, type NewsletterComposers } from './send';
export { createSendRate } from './send-rate';
export { previewAudience } from './audience';
export { renderMarkdown, markdownToText } from './markdown';
export { sendEmailPreview } from './newsletters.view';
export { runNewsletterRhythm } from './rhythm.service';
