export {
  registerSupporter,
  refreshSupporterStatus,
  displayName,
  consentTextVersion,
  consentSources,
  type ConsentSource,
  type SupporterInput,
  type ConsentGiven,
  type ConsentContext,
} from './supporters.service';
export {
  findSupporterById,
  findSupporterByEmail,
  findSupporterByStripeCustomer,
  linkStripeCustomer,
  countMonthlySupporters,
  followMerges,
  type Supporter,
} from './supporters.repo';
export { text, name, kana, checkbox, postalCode, prefecture, phone } from './person-fields';
export { prefectures } from './prefectures';
export { updateOwnProfile, setOwnPreferences, type OwnProfile, type OwnPreferences } from './supporters.self.service';
export {
  collectPersonalData,
  personalDataCsv,
  requestDeletion,
  listDeletionRequests,
  previewErasure,
  eraseSupporter,
  declineDeletion,
  erasedAddress,
  type PersonalData,
} from './supporters.privacy.service';
export { requestNewsletterSignup, confirmSignupsByPayment, askToConfirmSignups } from './signups.service';
export { signupEmailEnrichers } from './signups.emails';
export { signupRoutes } from './signups.routes';
export { supporterAdminRoutes } from './supporters.admin.routes';
export { deletionRequestRoutes } from './deletion-requests.admin.routes';
