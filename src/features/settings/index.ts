export { createSettingsService, type SettingsService } from './settings.service';
export { settingsRoutes } from './settings.routes';
