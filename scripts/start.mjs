#!/usr/bin/env node
// `npm start`: install if needed, build, and run the hotline on localhost with the embedded
// database. The server prints the one-time link that creates the first admin.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs) {
  console.log('Installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

console.log('Building…');
run('npx', ['tsc', '-b']);
if (existsSync('apps/web/vite.config.ts')) run('npm', ['run', 'build', '--workspace', 'apps/web']);

const env = { DATA_DIR: './data', ...process.env };
const server = spawn(process.execPath, ['apps/server/dist/cli.js', 'serve'], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
