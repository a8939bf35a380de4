#!/usr/bin/env node
// Regenerates docs/screenshots/*.png (README.md shows some of them): builds the server and the
// web app, then runs the opt-in Playwright pass e2e/screenshots.spec.ts, which seeds a hotline
// and photographs its main screens at phone and desktop size, light and dark.
//   node scripts/screenshots.mjs            build, then photograph
//   node scripts/screenshots.mjs --no-build photograph the current build
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!process.argv.includes('--no-build')) {
  run('npx', ['tsc', '-b']);
  run('npm', ['run', 'build', '--workspace', 'apps/web']);
}
run('npx', ['playwright', 'test', 'e2e/screenshots.spec.ts'], { ...process.env, SCREENSHOTS: '1' });
