import type { AppContext } from '../../context';
import type { AdminRoute } from '../admin/route-table';

/** Organisation settings, both languages (admins). */
export function settingsRoutes(_ctx: AppContext): AdminRoute[] {
  return [];
}
