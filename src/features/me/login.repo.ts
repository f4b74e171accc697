import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { loginLinks } from '../../db/schema';

export type LoginLink = typeof loginLinks.$inferSelect;

/** Records a sign-in request (known address or not); returns its id. */
export async function insertLoginRequest(tx: Tx, input: { emailNormalized: string; ip?: string; expiresAt: Date }): Promise<string> {
  const [row] = await tx
    .insert(loginLinks)
    .values({ emailNormalized: input.emailNormalized, ip: input.ip ?? null, expiresAt: input.expiresAt })
    .returning({ id: loginLinks.id });
  return row!.id;
}

/** Locks a request not yet processed, so a retried job cannot issue its link twice. */
export async function lockUnprocessedRequest(tx: Tx, id: string): Promise<LoginLink | undefined> {
  const [row] = await tx
    .select()
    .from(loginLinks)
    .where(and(eq(loginLinks.id, id), isNull(loginLinks.processedAt)))
    .for('update');
  return row;
}

/** Marks a request processed and forgets the address typed in; for a known supporter, stores the token's hash. */
export async function completeLoginRequest(tx: Tx, id: string, issued?: { supporterId: string; tokenHash: string }): Promise<void> {
  await tx
    .update(loginLinks)
    .set({ processedAt: new Date(), emailNormalized: null, supporterId: issued?.supporterId ?? null, tokenHash: issued?.tokenHash ?? null })
    .where(eq(loginLinks.id, id));
}

/** Uses a link once: the supporter it signs in, or undefined when unknown, used or expired. */
export async function useLoginLink(tx: Tx, tokenHash: string, now: Date): Promise<string | undefined> {
  const [row] = await tx
    .update(loginLinks)
    .set({ usedAt: now })
    .where(and(eq(loginLinks.tokenHash, tokenHash), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, now)))
    .returning({ supporterId: loginLinks.supporterId });
  return row?.supporterId ?? undefined;
}

/** Whether a link is still usable (for the page that asks to confirm sign-in). */
export async function isLoginLinkUsable(tx: Tx, tokenHash: string, now: Date): Promise<boolean> {
  const [row] = await tx
    .select({ id: loginLinks.id })
    .from(loginLinks)
    .where(and(eq(loginLinks.tokenHash, tokenHash), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, now)));
  return Boolean(row);
}

/** Deletes links that expired more than a day ago. */
export async function pruneLoginLinks(tx: Tx, now: Date): Promise<void> {
  await tx.delete(loginLinks).where(lt(loginLinks.expiresAt, new Date(now.getTime() - 24 * 3600 * 1000)));
}
