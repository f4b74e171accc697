export { runReconciliation, startRun, requestReplay, loadOverview, countFindings, WINDOW_DAYS, type RunResult } from './reconciliation.service';
export { replayMissingEvents, type ReplayResult } from './reconciliation.replay';
export { compareWithLedger, type StripeSide, type LedgerRow } from './reconciliation.compare';
export { reconciliationRoutes } from './reconciliation.routes';
