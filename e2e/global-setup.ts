import { rmSync } from 'node:fs';
import { makePristineDatabase, TEMPLATE_ENV } from './hotline-process.js';

/**
 * Makes the never-used template database once for the whole run (e2e/hotline-process.ts): every
 * worker process copies it instead of paying PGlite's initdb again. Worker processes inherit the
 * environment set here.
 */
export default async function globalSetup(): Promise<() => void> {
  if (process.env.LLAMENOS_E2E_FRESH_INIT || process.env[TEMPLATE_ENV]) return () => {};
  const template = await makePristineDatabase();
  process.env[TEMPLATE_ENV] = JSON.stringify(template);
  return () => rmSync(template.dir, { recursive: true, force: true });
}
