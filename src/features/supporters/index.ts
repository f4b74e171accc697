export { registerSupporter, refreshSupporterStatus, displayName, consentTextVersion, type SupporterInput, type ConsentGiven, type ConsentContext } from './supporters.service';
export {
  findSupporterById,
  findSupporterByEmail,
  findSupporterByStripeCustomer,
  linkStripeCustomer,
  countMonthlySupporters,
  followMerges,
  type Supporter,
} from './supporters.repo';
export { text, name, kana, checkbox } from './person-fields';
