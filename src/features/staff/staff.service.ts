import { hash, verify } from '@node-rs/argon2';
import type { Db } from '../../db/client';
import { generatePassword } from '../../lib/passwords';
import { emailKey, isDeliverableEmail, normalizeEmailAddress } from '../../lib/email-address';
import { verifyTotp } from '../../lib/totp';
import { recordAudit } from '../audit';
import type { Role } from './permissions';
import { countStaff, findStaffByEmail, findStaffById, insertStaff, lockFirstAdmin, recordFailedLogin, updateStaff, type StaffMember } from './staff.repo';
import { now } from '../../lib/clock';

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60 * 1000;
export const MIN_PASSWORD = 12;

// A hash of a random password, verified against when the email is unknown: same work, same timing.
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hash(`dummy-${generatePassword()}`));

/** Creates a staff account with an argon2id password hash. */
export async function createStaff(db: Db, input: { email: string; name: string; role: Role; password: string }): Promise<StaffMember> {
  if (input.password.length < MIN_PASSWORD) throw new Error(`password must be at least ${MIN_PASSWORD} characters`);
  const email = normalizeEmailAddress(input.email);
  if (!isDeliverableEmail(email)) throw new Error(`not a deliverable email address: ${JSON.stringify(input.email)}`);
  return insertStaff(db, {
    email,
    emailNormalized: emailKey(email),
    name: input.name,
    role: input.role,
    passwordHash: await hash(input.password),
  });
}

export type LoginResult = { ok: true; staff: StaffMember; needsCode: boolean } | { ok: false };

/**
 * Checks an email and password. Unknown emails, wrong passwords and locked accounts all answer the
 * same way (no enumeration); five failures lock the account for 15 minutes.
 */
export async function checkPassword(db: Db, email: string, password: string, ip?: string): Promise<LoginResult> {
  const member = await findStaffByEmail(db, emailKey(email));
  if (!member || !member.isActive) {
    await verify(await dummy(), password).catch(() => false);
    await recordAudit(db, { action: 'login.failure', detail: { reason: 'unknown' }, ip });
    return { ok: false };
  }
  const isLocked = member.lockedUntil !== null && member.lockedUntil > new Date();
  const matches = await verify(member.passwordHash, password).catch(() => false);
  if (isLocked || !matches) {
    if (!isLocked) await recordFailedLogin(db, member.id, MAX_FAILURES, LOCK_MS);
    await recordAudit(db, { staffId: member.id, action: 'login.failure', detail: { reason: isLocked ? 'locked' : 'password' }, ip });
    return { ok: false };
  }
  return { ok: true, staff: member, needsCode: member.totpEnabled };
}

/**
 * Checks the second factor of a pending sign-in; a locked account is refused. Wrong codes are counted by
 * the sign-in limits (sign-in-limits.ts), which a right code does not reset.
 */
export async function checkCode(db: Db, staffId: string, code: string, ip?: string): Promise<StaffMember | undefined> {
  const member = await findStaffById(db, staffId);
  if (!member?.totpSecret || !member.totpEnabled || !member.isActive) return undefined;
  const isLocked = member.lockedUntil !== null && member.lockedUntil > now();
  if (isLocked || !verifyTotp(member.totpSecret, code.replace(/\s/g, ''))) {
    await recordAudit(db, { staffId: member.id, action: 'login.failure', detail: { reason: isLocked ? 'locked' : 'code' }, ip });
    return undefined;
  }
  return member;
}

/** Resets the failure count after a successful sign-in and records it. */
export async function completeLogin(db: Db, member: StaffMember, ip?: string): Promise<void> {
  await updateStaff(db, member.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: now() });
  await recordAudit(db, { staffId: member.id, action: 'login.success', ip });
}

/** Changes a password after checking the current one. */
export async function changePassword(db: Db, member: StaffMember, current: string, next: string): Promise<'ok' | 'wrong' | 'short'> {
  if (!(await verify(member.passwordHash, current).catch(() => false))) return 'wrong';
  if (next.length < MIN_PASSWORD || next.length > 200) return 'short';
  await updateStaff(db, member.id, { passwordHash: await hash(next), sessionEpoch: member.sessionEpoch + 1 });
  return 'ok';
}

export class FirstAdminMissingError extends Error {}

/**
 * Creates the first admin when no staff exists: from ADMIN_EMAIL/ADMIN_PASSWORD, or (outside production)
 * with a generated password. Safe when several processes start at once on an empty database: the check
 * and the insert run under one transaction-scoped advisory lock, so exactly one process creates it.
 */
export async function bootstrapAdmin(
  db: Db,
  admin: { email: string; password: string } | undefined,
  opts: { isProduction: boolean },
): Promise<{ email: string; password?: string } | undefined> {
  if ((await countStaff(db)) > 0) return undefined;
  if (!admin && opts.isProduction) {
    throw new FirstAdminMissingError(
      'No staff account exists yet: set ADMIN_EMAIL and ADMIN_PASSWORD for the first admin (a generated password is refused when NODE_ENV=production).',
    );
  }
  const email = admin?.email ?? 'admin@welgee.example';
  const password = admin?.password ?? generatePassword();
  if (password.length < MIN_PASSWORD) throw new Error(`password must be at least ${MIN_PASSWORD} characters`);
  // Hashed before the lock is taken: the lock is held for two short statements only.
  const passwordHash = await hash(password);
  const created = await db.transaction(async (tx) => {
    await lockFirstAdmin(tx);
    if ((await countStaff(tx)) > 0) return false;
    await insertStaff(tx, { email: normalizeEmailAddress(email), emailNormalized: emailKey(email), name: 'Admin', role: 'admin', passwordHash });
    return true;
  });
  if (!created) return undefined;
  return { email, password: admin ? undefined : password };
}
