import type { AppContext } from '../../context';
import type { AdminRoute } from '../admin/route-table';

/** Offline gifts (bank transfer, cash, corporate) and reversing entries. */
export function giftAdminRoutes(_ctx: AppContext): AdminRoute[] {
  return [];
}
