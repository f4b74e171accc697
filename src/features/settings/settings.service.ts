import { defaultSettings, type Settings, type SettingsKey } from '../../../config/organisation';
import type { Db } from '../../db/client';
import { findSettingImageHash } from './setting-images';
import { insertMissingSettings, selectAllSettings, upsertSetting } from './settings.repo';

export interface SettingsService {
  /** All sections, stored values over defaults; cached for a few seconds. */
  get(): Promise<Settings>;
  update<K extends SettingsKey>(key: K, value: Settings[K]): Promise<void>;
  /** The hash of the uploaded link-preview image (its URL's last part), cached like the settings. */
  ogImageHash(): Promise<string | undefined>;
  /** Drops the cache after an image upload, so every page shows the new one. */
  forget(): void;
}

const CACHE_MS = 5000;

/** Seeds missing sections from config/organisation.ts and serves them from a short cache. */
export async function createSettingsService(db: Db): Promise<SettingsService> {
  await insertMissingSettings(db, defaultSettings as unknown as Record<string, unknown>);
  let cached: { value: Settings; at: number } | undefined;
  let cachedHash: { value: string | undefined; at: number } | undefined;

  async function load(): Promise<Settings> {
    const rows = await selectAllSettings(db);
    const merged: Record<string, unknown> = { ...defaultSettings };
    for (const row of rows) {
      const fallback = (defaultSettings as unknown as Record<string, object>)[row.key];
      // Sections added to the defaults after a row was stored still get their new fields.
      merged[row.key] = fallback ? { ...fallback, ...(row.value as object) } : row.value;
    }
    return merged as unknown as Settings;
  }

  return {
    async get() {
      if (!cached || Date.now() - cached.at > CACHE_MS) cached = { value: await load(), at: Date.now() };
      return cached.value;
    },
    async update(key, value) {
      await upsertSetting(db, key, value);
      cached = undefined;
    },
    async ogImageHash() {
      if (!cachedHash || Date.now() - cachedHash.at > CACHE_MS) cachedHash = { value: await findSettingImageHash(db, 'ogImage'), at: Date.now() };
      return cachedHash.value;
    },
    forget() {
      cached = undefined;
      cachedHash = undefined;
    },
  };
}
