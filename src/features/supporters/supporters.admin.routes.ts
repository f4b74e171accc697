import type { AppContext } from '../../context';
import type { AdminRoute } from '../admin/route-table';

/** Supporters in the console: search, detail, edit, add by hand, merge, notes, tags. */
export function supporterAdminRoutes(_ctx: AppContext): AdminRoute[] {
  return [];
}
