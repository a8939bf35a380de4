/*
 * The one place the reports module reaches into the attachments module: a report's detail
 * lists its attachments, and deleting a report (by hand or by retention) removes their rows,
 * wraps and blob files. removeAttachmentsOfReports runs its own transaction, so it is called
 * outside the reports' own transactions: after a tombstone commits (the row stays), and before
 * retention deletes rows (whose cascade would drop attachment rows and strand their files).
 */
export { listAttachmentViews, removeAttachmentsOfReports } from '../attachments/service.js';
