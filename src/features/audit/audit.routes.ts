import type { AppContext } from '../../context';
import type { AdminRoute } from '../admin/route-table';

/** The audit log, filtered (admins). */
export function auditRoutes(_ctx: AppContext): AdminRoute[] {
  return [];
}
