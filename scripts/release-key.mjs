#!/usr/bin/env node
// `node scripts/release-key.mjs <private key file>`: a new Ed25519 release key. The private key
// is written (mode 0600) to the file given, which must not exist and must not be in the
// repository: keep it offline or in the release builder's secret store, and point
// LLAMENOS_RELEASE_KEY at it when running `npm run release`. The public key replaces
// release/release-key.pub, which verify-build checks provenance against; commit it.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyIdOf } from './release-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.argv[2] ? resolve(process.argv[2]) : '';
if (!target || existsSync(target) || !relative(root, target).startsWith('..')) {
  console.error('usage: node scripts/release-key.mjs <new private key file, outside the repository>');
  process.exit(2);
}
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
writeFileSync(target, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
writeFileSync(join(root, 'release', 'release-key.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
console.log(`private key: ${target}\npublic key: release/release-key.pub (${keyIdOf(publicKey)})`);
