import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { hasControlCharacters } from './text';

// The one place that decides what an email address is. Every entry point that takes an address (forms,
// console, imports, the command line) stores and sends the normal form and finds people by its key.
// Migration 0009 writes the same normal form in SQL for rows stored before.

const MAX_LENGTH = 254; // RFC 5321 path limit
// zod's email pattern: dot-atom local part of ASCII, a domain with labels and a letter TLD (what SMTP
// delivers without SMTPUTF8).
const syntax = z.email();

/**
 * An address as it is stored and sent: NFKC (ｆｗ＠ｅｘａｍｐｌｅ．ｃｏｍ becomes fw@example.com), trimmed,
 * the domain lower-cased (and an international domain written in ASCII, xn--…). The local part keeps its case.
 */
export function normalizeEmailAddress(raw: string): string {
  const text = raw.normalize('NFKC').trim();
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const domain = text.slice(at + 1).toLowerCase();
  // IDNA would silently drop invisible characters (a zero-width space): such a domain stays as typed and is refused.
  const international = /[^\x00-\x7F]/.test(domain) && !hasControlCharacters(domain);
  return `${text.slice(0, at)}@${(international && domainToASCII(domain)) || domain}`;
}

/** True when an address (in normal form) is one SMTP can deliver to: zod's email syntax, at most 254 characters. */
export function isDeliverableEmail(address: string): boolean {
  return address.length <= MAX_LENGTH && syntax.safeParse(address).success;
}

/** The identity of an address: its normal form, lower-cased whole (finds a supporter again whatever the case). */
export function emailKey(raw: string): string {
  return normalizeEmailAddress(raw).toLowerCase();
}

/**
 * A form field holding an email: gives the normal form, or the feature's message key (`required` when
 * empty, `invalid` when it is not a deliverable address, `notText` when it is not one string).
 */
export function emailField(messages: { required: string; invalid: string; notText?: string }) {
  return z
    .string({ error: messages.notText ?? messages.invalid })
    .transform(normalizeEmailAddress)
    .refine((v) => v.length > 0, messages.required)
    .refine(isDeliverableEmail, messages.invalid);
}
