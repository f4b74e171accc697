export { createSettingsService, type SettingsService } from './settings.service';
