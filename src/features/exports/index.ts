export { exportRoutes } from './exports.routes';
export { exportDonations, recordedExport, type ExportDeps, type Requester } from './exports.service';
export { writeDonationsExport, ExportAborted, type ExportResult } from './donations-export';
export { donationsExportQuery, queryErrors, formats, type DonationsExportQuery, type Format } from './exports.schemas';
export { ledgerQuery, ledgerTotals } from './ledger-rows';
export { encodings, type Encoding } from './encoding';
export { postalLine } from './address-labels';
