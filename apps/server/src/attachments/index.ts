/** The Attachments module: what the rest of the server uses of it. */
export { attachmentsRoutes } from './routes.js';
export { attachmentsMigrations } from './schema.js';
export {
  listAttachmentViews,
  removeAttachmentsOfReports,
  removeStaleUploads,
} from './service.js';
export { startStaleUploadTimer } from './timers.js';
