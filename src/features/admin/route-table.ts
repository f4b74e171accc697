import type { RequestHandler } from 'express';
import type { Permission } from '../staff';

/** Who may reach a console route: a permission, any signed-in staff member, or anyone (sign-in pages). */
export type Access = Permission | 'signed-in' | 'public';

export interface AdminRoute {
  method: 'get' | 'post' | 'use';
  path: string;
  access: Access;
  handler: RequestHandler | RequestHandler[];
  /** For the authorisation test: the status a permitted request gets (default 200 for GET). */
  okStatus?: number;
}

/** One console route, permission on the same line: route('get', '/admin/x', 'x:view', handler). */
export function route(method: AdminRoute['method'], path: string, access: Access, handler: AdminRoute['handler'], okStatus?: number): AdminRoute {
  return { method, path, access, handler, okStatus };
}
