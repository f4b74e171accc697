import type { AppContext } from '../../context';
import type { AdminRoute } from '../admin/route-table';

/** Bank statement import: upload, review the matches, record. */
export function bankImportRoutes(_ctx: AppContext): AdminRoute[] {
  return [];
}
