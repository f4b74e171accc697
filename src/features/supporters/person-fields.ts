import { z } from 'zod';
import { cleanText, hasControlCharacters, isKatakana, toKatakana } from '../../lib/text';
import { isPrefecture } from './prefectures';

// The rules for a person's fields, shared by the public forms and the staff console.
// Each failure carries the message key shown next to its field.

/** Plain text: no control characters, white space folded, at most `max` characters. */
export const text = (max: number) =>
  z
    .string({ error: 'giving.errors.invalid' })
    .refine((v) => !hasControlCharacters(v), 'giving.errors.control')
    .transform(cleanText)
    .refine((v) => v.length <= max, 'giving.errors.tooLong');

/** 姓 or 名: required, up to 50 characters, no markup characters. */
export const name = text(50)
  .refine((v) => v.length > 0, 'giving.errors.required')
  .refine((v) => !/[<>{}\\]/.test(v), 'giving.errors.characters');

/** フリガナ: optional; half-width and hiragana become full-width katakana. */
export const kana = z
  .string({ error: 'giving.errors.invalid' })
  .optional()
  .transform((v) => v ?? '')
  .refine((v) => !hasControlCharacters(v), 'giving.errors.control')
  .transform(toKatakana)
  .refine((v) => v.length <= 50, 'giving.errors.tooLong')
  .refine((v) => v === '' || isKatakana(v), 'giving.errors.kana');

/** An HTML checkbox: present means true. */
export const checkbox = z
  .enum(['on', '1', 'true'], { error: 'giving.errors.invalid' })
  .optional()
  .transform((v) => v !== undefined);

/** 〒 1234567, 123-4567, full-width digits and dashes: stored as 123-4567. */
export const postalCode = z
  .string({ error: 'giving.errors.invalid' })
  .optional()
  .transform((v) =>
    (v ?? '')
      .normalize('NFKC')
      .replace(/[〒\s]/g, '')
      .replace(/[‐‑‒–—―−ー]/g, '-'),
  )
  .refine((v) => v === '' || /^\d{3}-?\d{4}$/.test(v), 'supporters.errors.postalCode')
  .transform((v) => (v === '' ? '' : `${v.replace('-', '').slice(0, 3)}-${v.replace('-', '').slice(3)}`));

export const phone = z
  .string({ error: 'giving.errors.invalid' })
  .optional()
  .transform((v) =>
    (v ?? '')
      .normalize('NFKC')
      .trim()
      .replace(/[‐‑‒–—―−ー]/g, '-')
      .replace(/\s+/g, ' '),
  )
  .refine((v) => v === '' || (/^\+?[\d\-() ]+$/.test(v) && v.replace(/\D/g, '').length >= 6 && v.replace(/\D/g, '').length <= 15 && v.length <= 24), 'supporters.errors.phone');

export const prefecture = z
  .string({ error: 'giving.errors.invalid' })
  .optional()
  .transform((v) => v ?? '')
  .refine((v) => v === '' || isPrefecture(v), 'supporters.errors.prefecture');
