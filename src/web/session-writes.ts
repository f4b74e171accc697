import type { Request } from 'express';
import type { SessionData } from 'express-session';

/**
 * express-session saves a changed session only after the response's headers (and all but its last
 * byte) have gone out, so a browser that follows a redirect at once can arrive before the row is
 * written and find itself signed out. Sign-ins therefore save before they answer.
 */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/** A new session id (a session fixed before sign-in is worth nothing) holding `values`, saved. */
export async function startSession(req: Request, values: Partial<SessionData>): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  Object.assign(req.session, values);
  await saveSession(req);
}
