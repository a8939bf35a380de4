import {
  createAuthHeader,
  generateSecretKey,
  getPublicKey,
  openAsReader,
  PURPOSES,
  parseAuthHeader,
} from '@llamenos/crypto';
import { messageRecordId } from '@llamenos/protocol';
import { SignatureChecks } from '../auth/signature-worker.js';
import { READER_TABLES } from '../conversations/reader-tables.js';
import { startSealPool } from '../conversations/seal-pool.js';
import { createLogger } from '../logging.js';

/**
 * `llamenos check-workers` (a release only: sea/entry.ts): whether this build starts the two
 * worker threads the server moves work to under load, through the very spawn functions the server
 * calls (sea/workers.ts). It seals a text in a sealing thread for a reader made here and opens
 * it, and has the signature thread check a signed request and the same request with one
 * signature character changed. Prints one JSON line; exit 0 when both threads ran and answered
 * right, 1 otherwise (the server would then do that work on its main thread). Needs no database
 * and no configuration; touches nothing on disk.
 */
export interface WorkersReport {
  seal: { threads: number; engines: string[]; opened: boolean };
  signatures: { thread: boolean; valid: boolean; forgedRefused: boolean };
}

const PROBE_TEXT = 'a text sealed by a worker thread';
const PROBE_MESSAGE_ID = '00000000-0000-4000-8000-000000000001';

async function checkSealing(): Promise<WorkersReport['seal']> {
  const failures: string[] = [];
  const pool = startSealPool(1, READER_TABLES, (error) => failures.push((error as Error)?.name ?? 'Error'));
  if (!pool) return { threads: 0, engines: [], opened: false };
  try {
    await pool.ready;
    const report = { threads: pool.size, engines: [...pool.engines], opened: false };
    if (!pool.size) return report;
    const secret = generateSecretKey();
    const sealed = await pool.seal(PROBE_MESSAGE_ID, PROBE_TEXT, [getPublicKey(secret)]);
    const opened = openAsReader({ v: 1, ...sealed }, secret, {
      purpose: PURPOSES.message,
      recordId: messageRecordId(PROBE_MESSAGE_ID),
    });
    secret.fill(0);
    report.opened = JSON.parse(new TextDecoder().decode(opened)).body === PROBE_TEXT;
    return report;
  } finally {
    await pool.close();
  }
}

async function checkSignatures(): Promise<WorkersReport['signatures']> {
  const checks = new SignatureChecks(createLogger('error'));
  try {
    const thread = await checks.start();
    if (!thread || !checks.threadRunning) return { thread: false, valid: false, forgedRefused: false };
    const secret = generateSecretKey();
    const event = parseAuthHeader(
      createAuthHeader({ url: 'http://127.0.0.1/api/check-workers', method: 'GET' }, secret),
    );
    secret.fill(0);
    const last = event.sig.at(-1) === '0' ? '1' : '0';
    const forged = { ...event, sig: `${event.sig.slice(0, -1)}${last}` };
    return {
      thread: true,
      valid: (await checks.verify(event)) === true,
      forgedRefused: (await checks.verify(forged)) === false,
    };
  } finally {
    await checks.stop();
  }
}

export async function checkWorkers(): Promise<WorkersReport> {
  return { seal: await checkSealing(), signatures: await checkSignatures() };
}

/** The command: the report on stdout, and whether both threads did their work. */
export async function checkWorkersCommand(): Promise<number> {
  const report = await checkWorkers();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const ok =
    report.seal.threads > 0 &&
    report.seal.opened &&
    report.signatures.thread &&
    report.signatures.valid &&
    report.signatures.forgedRefused;
  return ok ? 0 : 1;
}
