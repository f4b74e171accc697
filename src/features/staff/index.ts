export { permissions, roles, rolePermissions, roleCan, type Permission, type Role } from './permissions';
export { createStaff, checkPassword, checkCode, completeLogin, changePassword, bootstrapAdmin, FirstAdminMissingError, MIN_PASSWORD } from './staff.service';
export { findStaffById, findStaffByEmail, updateStaff, deleteSessionsOf, type StaffMember } from './staff.repo';
export { authRoutes } from './auth.routes';
export { accountRoutes } from './account.routes';
export { loadStaff, can, signedIn } from './guard';
