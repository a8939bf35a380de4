import type { ReportAttachmentMeta } from '@llamenos/protocol';
import { trackUpload } from './active.js';
import { resumeUpload as resume, startUpload as start, type UploadHandle } from './uploader.js';

/**
 * Encrypted, streamed, resumable report attachments (PROTOCOL.md §10.2; the byte format is
 * described in ./format.ts). Pages use only what this file exports.
 */

export { endedUpload, runningUpload, runningUploads } from './active.js';
export {
  AttachmentUnavailableError,
  downloadAttachment,
  openAttachmentPreview,
  PREVIEW_MAX_BYTES,
  previewKind,
} from './download.js';
export { fileFingerprint, fingerprintProblem, layoutOf } from './format.js';
export type { UploadErrorKind, UploadPhase, UploadProgress } from './progress.js';
export { UploadError, type UploadHandle } from './uploader.js';

/** Longest file name and MIME type kept in the sealed report. */
const MAX_NAME = 255;
const MAX_TYPE = 255;

/**
 * Gives each chosen file an attachment id and the description that goes into the sealed report
 * (name, MIME type, exact size): the server never sees these.
 */
export function prepareAttachments(files: File[]): { id: string; file: File; meta: ReportAttachmentMeta }[] {
  return files.map((file) => {
    const id = crypto.randomUUID();
    return {
      id,
      file,
      meta: { id, name: file.name.slice(0, MAX_NAME), type: file.type.slice(0, MAX_TYPE), size: file.size },
    };
  });
}

/**
 * Encrypts and uploads a new attachment of a report (see uploader.ts); the upload is listed as
 * running in this tab until it ends.
 */
export const startUpload = (opts: Parameters<typeof start>[0]): UploadHandle => trackUpload(start(opts));

/** Continues an unfinished upload with the file chosen again (see uploader.ts). */
export const resumeUpload = (opts: Parameters<typeof resume>[0]): UploadHandle => trackUpload(resume(opts));
