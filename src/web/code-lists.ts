import { bankImportLines, consents, donations, exportRuns, newsletterDeliveries, newsletters, reconciliationRuns, supporters } from '../db/schema';
import { auditActions } from '../features/audit';
import { encodings, formats } from '../features/exports';
import { roles } from '../features/staff';
import { consentSources } from '../features/supporters';
import { jobContracts, queueNames } from '../lib/job-contracts';
import type { MessagePrefix } from '../locales/keys';

/** States a queued job can be in, as the jobs page counts them. */
export const jobStates = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * Every list of codes that staff or supporters may see, each taken from where it is defined (a schema
 * enum or a const list), with the message prefix that names its codes in both languages. A test
 * checks that each code has a Japanese and an English label, so a new code cannot reach a page raw.
 */
export const codeLists = {
  auditAction: { prefix: 'audit.action.', codes: auditActions },
  consentSource: { prefix: 'supporters.source.', codes: consentSources },
  consentPurpose: { prefix: 'supporters.purpose.', codes: consents.purpose.enumValues },
  supporterStatus: { prefix: 'supporters.status.', codes: supporters.status.enumValues },
  supporterKind: { prefix: 'supporters.kind.', codes: supporters.kind.enumValues },
  language: { prefix: 'supporters.language.', codes: supporters.locale.enumValues },
  giftEntry: { prefix: 'supporters.entry.', codes: donations.entry.enumValues },
  giftChannel: { prefix: 'supporters.channel.', codes: donations.channel.enumValues },
  giftMethod: { prefix: 'giving.gifts.method.', codes: ['card', 'bank_transfer', 'cash', 'corporate'] },
  importLineStatus: { prefix: 'giving.gifts.lineStatus.', codes: bankImportLines.status.enumValues },
  exportFormat: { prefix: 'exports.format.', codes: formats },
  exportEncoding: { prefix: 'exports.encoding.', codes: encodings },
  exportKind: { prefix: 'exports.kindOfRun.', codes: exportRuns.kind.enumValues },
  exportRunStatus: { prefix: 'exports.runStatus.', codes: exportRuns.status.enumValues },
  newsletterStatus: { prefix: 'newsletters.status.', codes: newsletters.status.enumValues },
  deliveryStatus: { prefix: 'newsletters.delivery.', codes: newsletterDeliveries.status.enumValues },
  reconciliationStatus: { prefix: 'reconciliation.status.', codes: reconciliationRuns.status.enumValues },
  role: { prefix: 'admin.role.', codes: roles },
  queue: { prefix: 'admin.jobs.queue.', codes: queueNames },
  job: { prefix: 'admin.jobs.name.', codes: Object.keys(jobContracts) },
  jobState: { prefix: 'admin.jobs.state.', codes: jobStates },
} satisfies Record<string, { prefix: MessagePrefix; codes: readonly string[] }>;
