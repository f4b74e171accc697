export { createSettingsService, type SettingsService } from './settings.service';
export { settingsRoutes } from './settings.routes';
export { addressSettingsHref, hasPostalAddress, missingLegalDetails, setupChecklist } from './legal-details';
export { findSettingImage } from './setting-images';
export { pageMeta, shortDescription } from './page-meta';
export { publicImageRoutes } from './settings.images.routes';
