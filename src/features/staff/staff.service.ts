import { hash, verify } from '@node-rs/argon2';
import type { Db } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';
import { normalizeEmail } from '../../lib/text';
import { verifyTotp } from '../../lib/totp';
import { recordAudit } from '../audit';
import type { Role } from './permissions';
import { countStaff, findStaffByEmail, findStaffById, insertStaff, recordFailedLogin, updateStaff, type StaffMember } from './staff.repo';

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60 * 1000;
export const MIN_PASSWORD = 12;

// A hash of a random password, verified against when the email is unknown: same work, same timing.
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hash(`dummy-${Math.random()}`));

/** Creates a staff account with an argon2id password hash. */
export async function createStaff(db: Db, input: { email: string; name: string; role: Role; password: string }): Promise<StaffMember> {
  if (input.password.length < MIN_PASSWORD) throw new Error(`password must be at least ${MIN_PASSWORD} characters`);
  return insertStaff(db, {
    email: input.email.trim(),
    emailNormalized: normalizeEmail(input.email),
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
  const member = await findStaffByEmail(db, normalizeEmail(email));
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

/** Checks the second factor of a pending sign-in. */
export async function checkCode(db: Db, staffId: string, code: string, ip?: string): Promise<StaffMember | undefined> {
  const member = await findStaffById(db, staffId);
  if (!member?.totpSecret || !member.totpEnabled) return undefined;
  if (!verifyTotp(member.totpSecret, code.replace(/\s/g, ''))) {
    await recordFailedLogin(db, member.id, MAX_FAILURES, LOCK_MS);
    await recordAudit(db, { staffId: member.id, action: 'login.failure', detail: { reason: 'code' }, ip });
    return undefined;
  }
  return member;
}

/** Resets the failure count after a successful sign-in and records it. */
export async function completeLogin(db: Db, member: StaffMember, ip?: string): Promise<void> {
  await updateStaff(db, member.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() });
  await recordAudit(db, { staffId: member.id, action: 'login.success', ip });
}

/** Changes a password after checking the current one. */
export async function changePassword(db: Db, member: StaffMember, current: string, next: string): Promise<'ok' | 'wrong' | 'short'> {
  if (!(await verify(member.passwordHash, current).catch(() => false))) return 'wrong';
  if (next.length < MIN_PASSWORD || next.length > 200) return 'short';
  await updateStaff(db, member.id, { passwordHash: await hash(next), sessionEpoch: member.sessionEpoch + 1 });
  return 'ok';
}

/** Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD, or with a generated password, when no staff exists. */
export async function bootstrapAdmin(db: Db, admin: { email: string; password: string } | undefined): Promise<{ email: string; password?: string } | undefined> {
  if ((await countStaff(db)) > 0) return undefined;
  const email = admin?.email ?? 'admin@welgee.example';
  const password = admin?.password ?? `${Math.random().toString(36).slice(2, 10)}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await createStaff(db, { email, name: 'Admin', role: 'admin', password });
  } catch (err) {
    // Processes started together on an empty database (web and worker containers) all find no staff:
    // the unique email lets one create the admin, and the others go on without it.
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
  return { email, password: admin ? undefined : password };
}
