import { lt } from 'drizzle-orm';
import type { AppContext } from '../src/context';
import { sessions } from '../src/db/schema';
import { pruneLoginLinks } from '../src/features/me';
import type { JobPayload } from '../src/lib/job-contracts';
import { now } from '../src/lib/clock';

/** Deletes expired sessions and My page sign-in links expired for a day. */
export async function pruneSessions(_payload: JobPayload<'prune-sessions'>, ctx: AppContext): Promise<void> {
  const removed = await ctx.db.delete(sessions).where(lt(sessions.expiresAt, new Date())).returning({ sid: sessions.sid });
  await pruneLoginLinks(ctx.db, now());
  ctx.logger.info({ removed: removed.length }, 'prune-sessions');
}
