export { annualReportAdminRoutes } from './annual-reports.admin.routes';
export { annualReportComposer } from './report-email';
export { prepareDraft, prepareDraftAndTellStaff, startReportSend, reissue, SEED_FIGURES } from './annual-reports.service';
export { receiptFor, findValidReceipt, listReceiptsOf, type AnnualReceipt } from './annual-receipts.repo';
export { renderAnnualReceipt, annualReceiptInput } from './annual-receipt-pdf';
export { givingInYear, type YearGiving } from './year-giving';
