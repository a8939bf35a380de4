import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The project's generated random-weight whisper model (scripts/make-whisper-test-model.mjs) in a
 * folder of its own: its file, its SHA-256, and a way to remove it when the test ends.
 */
export function generateWhisperTestModel(options: { english?: boolean } = {}): {
  path: string;
  sha256: string;
  remove: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-whisper-'));
  const modelPath = path.join(dir, 'ggml-test.bin');
  execFileSync(
    process.execPath,
    ['scripts/make-whisper-test-model.mjs', modelPath, ...(options.english ? ['--english'] : [])],
    { stdio: 'ignore' },
  );
  return {
    path: modelPath,
    sha256: createHash('sha256').update(readFileSync(modelPath)).digest('hex'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
