import { lt } from 'drizzle-orm';
import type { AppContext } from '../src/context';
import { sessions } from '../src/db/schema';
import type { JobPayload } from './contracts';

/** Deletes expired sessions. */
export async function pruneSessions(_payload: JobPayload<'prune-sessions'>, ctx: AppContext): Promise<void> {
  const removed = await ctx.db.delete(sessions).where(lt(sessions.expiresAt, new Date())).returning({ sid: sessions.sid });
  ctx.logger.info({ removed: removed.length }, 'prune-sessions');
}
