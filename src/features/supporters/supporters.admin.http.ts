import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { findSupporter } from './supporters.admin.repo';
import type { StaffAct } from './supporters.admin.service';
import type { Supporter } from './supporters.repo';

// Small helpers the console's supporter handlers share.

/** Who is acting, for the audit log and consent records. */
export function staffAct(req: Request): StaffAct {
  return { staffId: req.staff!.id, ip: req.ip, userAgent: req.get('user-agent'), locale: req.locale };
}

/** The supporter of the :id path parameter (merged-away ones too), or a 404 page already sent. */
export async function supporterOr404(ctx: AppContext, req: Request, res: Response): Promise<Supporter | undefined> {
  const supporter = await findSupporter(ctx.db, String(req.params.id ?? ''));
  if (!supporter) notFoundPage(req, res);
  return supporter;
}

/** The console's 404 page for a supporter that does not exist. */
export function notFoundPage(req: Request, res: Response) {
  res.status(404).render('admin/supporters/not-found', { layout: 'admin', title: t(req.locale, 'supporters.notFound.title') });
}
