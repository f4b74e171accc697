import { eq, sql } from 'drizzle-orm';
import session, { type SessionData } from 'express-session';
import type { Db } from '../db/client';
import { sessions } from '../db/schema';

const DEFAULT_TTL_MS = 8 * 3600 * 1000;

/** express-session store on the `sessions` table (works on PostgreSQL and PGlite). */
export class DbSessionStore extends session.Store {
  constructor(private readonly db: Db) {
    super();
  }

  private expiry(data: SessionData): Date {
    const maxAge = data.cookie?.maxAge ?? DEFAULT_TTL_MS;
    return new Date(Date.now() + maxAge);
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.db
      .select()
      .from(sessions)
      .where(eq(sessions.sid, sid))
      .then(([row]) => callback(null, row && row.expiresAt > new Date() ? (row.data as SessionData) : null), callback);
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    const expiresAt = this.expiry(data);
    this.db
      .insert(sessions)
      .values({ sid, data, expiresAt })
      .onConflictDoUpdate({ target: sessions.sid, set: { data, expiresAt } })
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.db
      .update(sessions)
      .set({ expiresAt: this.expiry(data) })
      .where(eq(sessions.sid, sid))
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.db
      .delete(sessions)
      .where(eq(sessions.sid, sid))
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  /** Ends every session whose data matches (e.g. "sign out everywhere" for one account). */
  async destroyWhere(condition: ReturnType<typeof sql>): Promise<void> {
    await this.db.delete(sessions).where(condition);
  }
}
