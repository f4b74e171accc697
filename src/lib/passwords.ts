import crypto from 'node:crypto';

/** A random password for a new account, shown once: 20 characters from 120 bits of crypto randomness. */
export function generatePassword(): string {
  return crypto.randomBytes(15).toString('base64url');
}
