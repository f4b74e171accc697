import type { AppContext } from '../src/context';
import { issueLoginLink } from '../src/features/me';
import type { JobPayload } from '../src/lib/job-contracts';

/** Turns a My page sign-in request into an emailed link when the address belongs to a supporter. */
export async function sendLoginLink(payload: JobPayload<'send-login-link'>, ctx: AppContext): Promise<void> {
  // The outcome (known or not) is deliberately not logged with the request: logs are read more widely.
  await issueLoginLink(ctx.db, ctx.sessionSecret, payload.linkId);
}
