import type { AppContext } from '../../context';
import type { AdminRoute } from './route-table';

/** The queue dashboard (bull-board), admins only. */
export function jobsRoutes(_ctx: AppContext): AdminRoute[] {
  return [];
}
