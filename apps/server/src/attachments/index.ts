/** The Attachments module: what the rest of the server uses of it. */
export {
  findMediaById,
  insertMedia,
  type MediaRow,
  markMediaAttemptFailed,
  markMediaDeletedAtProvider,
  markMediaStored,
  mediaOfConversation,
  type NewMedia,
  takeDueMedia,
} from './media-store.js';
export { attachmentsRoutes } from './routes.js';
export { attachmentsMigrations } from './schema.js';
export { SealedFileTooLarge, storeSealedFile } from './sealed-files.js';
export {
  type AttachmentRequest,
  listAttachmentViews,
  openAttachment,
  type RemoveAttachments,
  removeStaleUploads,
  removingAttachments,
} from './service.js';
export { startStaleUploadTimer } from './timers.js';
