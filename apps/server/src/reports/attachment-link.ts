/*
 * The one place the reports module reaches into the attachments module: a report's detail
 * lists its attachments, and deleting a report (by hand or by retention) removes their rows and
 * wraps in the same transaction as the report's own change, through the attachments module's
 * one removal path, which deletes their blob files once that transaction commits.
 */
export { listAttachmentViews, removingAttachments } from '../attachments/service.js';
