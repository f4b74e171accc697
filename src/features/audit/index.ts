export { recordAudit, listAudit, type AuditEntry, type AuditInput, type AuditFilter } from './audit.service';
export { auditRoutes } from './audit.routes';
export { auditActions, type AuditAction } from './audit-actions';
