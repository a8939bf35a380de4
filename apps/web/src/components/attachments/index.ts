export { AttachmentPicker } from './AttachmentPicker.js';
export { ReportAttachments } from './ReportAttachments.js';
export { UPLOAD_ERROR_KEYS, UploadList, UploadRow } from './UploadList.js';
