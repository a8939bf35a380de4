import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test as base, type Page } from '@playwright/test';

/** A real Llamenos server process on a free loopback port with a fresh PGlite database. */
export interface Hotline {
  url: string;
  bootstrapLink: string;
  output: () => string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * PGlite's initdb costs ~10 s of CPU per database. A test process therefore creates one
 * database the ordinary way (a first server start: initdb, migrations), stops that server, and
 * gives every hotline its own copy of this never-used database, served with the same
 * SERVER_SECRET. Set LLAMENOS_E2E_FRESH_INIT=1 to initialise every database from nothing.
 */
let pristine: Promise<{ dir: string; secret: string }> | null = null;

function pristineDatabase(): Promise<{ dir: string; secret: string }> {
  pristine ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-template-'));
    const secret = randomBytes(32).toString('hex');
    const server = await launch(dir, secret, '127.0.0.1', {});
    await server.stop();
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return { dir, secret };
  })();
  return pristine;
}

export async function startHotline(
  extraEnv: Record<string, string> = {},
  options: { hostname?: string } = {},
): Promise<Hotline & { stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-'));
  let secret = extraEnv.SERVER_SECRET ?? randomBytes(32).toString('hex');
  const copy = !extraEnv.SERVER_SECRET && !extraEnv.DATABASE_URL && !process.env.LLAMENOS_E2E_FRESH_INIT;
  if (copy) {
    const template = await pristineDatabase();
    cpSync(template.dir, dataDir, { recursive: true });
    secret = template.secret;
  }
  const hotline = await launch(dataDir, secret, options.hostname ?? '127.0.0.1', extraEnv);
  return {
    ...hotline,
    stop: async () => {
      await hotline.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the built server on a free port with this data directory; stop() leaves the directory. */
async function launch(
  dataDir: string,
  secret: string,
  hostname: string,
  extraEnv: Record<string, string>,
): Promise<Hotline & { stop: () => Promise<void> }> {
  const port = await freePort();
  // WebAuthn refuses IP addresses as relying party ids: passkey tests use "localhost".
  const url = `http://${hostname}:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['apps/server/dist/cli.js', 'serve'], {
    env: {
      ...process.env,
      LLAMENOS_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      SERVER_SECRET: secret,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const deadline = Date.now() + 60_000;
  let bootstrapLink = '';
  while (!bootstrapLink) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
    bootstrapLink = output.match(/(http:\/\/\S+\/bootstrap#\S+)/)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    bootstrapLink,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

/** Every test gets its own hotline; console errors on any page fail the test. */
export const test = base.extend<{ hotline: Hotline; consoleErrors: string[]; hotlineHost: string }>({
  /** The host name the hotline is reached by (PUBLIC_URL); `test.use({ hotlineHost: 'localhost' })`. */
  hotlineHost: ['127.0.0.1', { option: true }],
  hotline: async ({ hotlineHost }, use) => {
    const hotline = await startHotline({}, { hostname: hotlineHost });
    await use(hotline);
    await hotline.stop();
  },
  consoleErrors: async ({ context }, use) => {
    const errors: string[] = [];
    // Each error names the resource it is about, so a test can excuse exactly its deliberate failures.
    context.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location().url;
      errors.push(where ? `${m.text()} @ ${where}` : m.text());
    });
    context.on('weberror', (e) => errors.push(e.error().message));
    await use(errors);
  },
});

export { expect } from '@playwright/test';

/** Fills the key setup form and walks through the recovery step; returns the recovery key and the backup file path. */
export async function createKeyThroughUi(
  page: Page,
  name: string,
  pin: string,
): Promise<{ recoveryKey: string; backupPath: string }> {
  await page.getByLabel(/your name/i).fill(name);
  await page.getByLabel(/^PIN \(digits only\)/i).fill(pin);
  await page.getByLabel(/^PIN again/i).fill(pin);
  await page.getByRole('button', { name: /create my key/i }).click();
  const recoveryKey = (await page.getByTestId('recovery-key').textContent({ timeout: 60_000 }))?.trim() ?? '';
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: /download backup/i }).click();
  const download = await downloadPromise;
  const backupPath = path.join(
    mkdtempSync(path.join(tmpdir(), 'llamenos-backup-')),
    download.suggestedFilename(),
  );
  await download.saveAs(backupPath);
  await page.getByLabel(/i wrote down/i).check();
  await page.getByRole('button', { name: /continue/i }).click();
  return { recoveryKey, backupPath };
}
