import crypto from 'node:crypto';

// RFC 6238 time-based one-time passwords (30 s steps, 6 digits, HMAC-SHA1), as authenticator apps use.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new random secret in base32 (160 bits). */
export function generateTotpSecret(): string {
  const bytes = crypto.randomBytes(20);
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  return bits
    .match(/.{5}/g)!
    .map((chunk) => ALPHABET[parseInt(chunk, 2)])
    .join('');
}

function base32Decode(secret: string): Buffer {
  const bits = secret
    .replace(/[\s=]/g, '')
    .toUpperCase()
    .split('')
    .map((c) => {
      const i = ALPHABET.indexOf(c);
      if (i < 0) throw new Error('invalid base32');
      return i.toString(2).padStart(5, '0');
    })
    .join('');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}

/** The code for a secret at a time step. */
export function totpCode(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = hmac[hmac.length - 1]! & 0xf;
  const value = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** True when the code matches the current step or one step either side (clock drift). */
export function verifyTotp(secret: string, code: string, now = Date.now()): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const step = Math.floor(now / 30_000);
  return [step - 1, step, step + 1].some((s) => crypto.timingSafeEqual(Buffer.from(totpCode(secret, s)), Buffer.from(code)));
}

/** The otpauth:// URI an authenticator app reads (as a QR code or a link). */
export function totpUri(secret: string, account: string, issuer = 'WELgee Family'): string {
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
