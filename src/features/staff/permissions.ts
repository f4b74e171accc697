// Roles → permissions: the one table that decides who may do what in the staff console.

export const permissions = [
  'dashboard:view',
  'supporters:view',
  'supporters:edit',
  'supporters:merge',
  'supporters:erase',
  'gifts:record',
  'gifts:import',
  'gifts:refund',
  'exports:create',
  'newsletters:send',
  'reports:send',
  'settings:edit',
  'audit:view',
  'jobs:view',
  'jobs:retry',
  'account:manage',
] as const;

export type Permission = (typeof permissions)[number];
export const roles = ['admin', 'staff', 'finance'] as const;
export type Role = (typeof roles)[number];

export const rolePermissions: Record<Role, readonly Permission[]> = {
  admin: permissions,
  staff: ['dashboard:view', 'supporters:view', 'supporters:edit', 'supporters:merge', 'gifts:record', 'gifts:import', 'newsletters:send', 'reports:send', 'account:manage'],
  finance: ['dashboard:view', 'supporters:view', 'gifts:record', 'gifts:import', 'gifts:refund', 'exports:create', 'account:manage'],
};

/** True when the role grants the permission. */
export function roleCan(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}
