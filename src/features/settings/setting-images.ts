import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { settingImages } from '../../db/schema';

// Images uploaded in settings: the seal (角印) printed on receipts and the picture shown when a public
// page is shared (Open Graph). They are kept in the database with the rest of the settings, so a
// backup holds them and every process serves the same bytes.

export const imageKinds = ['seal', 'ogImage'] as const;
export type ImageKind = (typeof imageKinds)[number];
export const isImageKind = (value: unknown): value is ImageKind => (imageKinds as readonly unknown[]).includes(value);

export const MAX_IMAGE_BYTES = 512 * 1024;

export interface SettingImage {
  contentType: 'image/png' | 'image/jpeg';
  bytes: Buffer;
  sha256: string;
}

/** The type the first bytes prove (PNG or JPEG), whatever name or type the upload claimed. */
export function sniffImageType(bytes: Buffer): SettingImage['contentType'] | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** Checks an upload: a PNG or JPEG within the size limit; the message key otherwise. */
export function checkImage(
  bytes: Buffer | undefined,
): { image: SettingImage } | { error: 'settings.images.errors.missing' | 'settings.images.errors.type' | 'settings.images.errors.tooLarge' } {
  if (!bytes || bytes.length === 0) return { error: 'settings.images.errors.missing' };
  if (bytes.length > MAX_IMAGE_BYTES) return { error: 'settings.images.errors.tooLarge' };
  const contentType = sniffImageType(bytes);
  if (!contentType) return { error: 'settings.images.errors.type' };
  return { image: { contentType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') } };
}

export async function findSettingImage(tx: Tx, kind: ImageKind): Promise<SettingImage | undefined> {
  const [row] = await tx.select().from(settingImages).where(eq(settingImages.key, kind));
  return row ? { contentType: row.contentType as SettingImage['contentType'], bytes: row.bytes, sha256: row.sha256 } : undefined;
}

/** The stored image's hash (for its URL) without reading its bytes. */
export async function findSettingImageHash(tx: Tx, kind: ImageKind): Promise<string | undefined> {
  const [row] = await tx.select({ sha256: settingImages.sha256 }).from(settingImages).where(eq(settingImages.key, kind));
  return row?.sha256;
}

export async function saveSettingImage(tx: Tx, kind: ImageKind, image: SettingImage): Promise<void> {
  const value = { contentType: image.contentType, bytes: image.bytes, sha256: image.sha256 };
  await tx
    .insert(settingImages)
    .values({ key: kind, ...value })
    .onConflictDoUpdate({ target: settingImages.key, set: value });
}

export async function deleteSettingImage(tx: Tx, kind: ImageKind): Promise<void> {
  await tx.delete(settingImages).where(eq(settingImages.key, kind));
}
