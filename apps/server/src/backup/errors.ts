/** A problem the operator can act on (bad file, non-empty target): printed as is, without a stack. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}
