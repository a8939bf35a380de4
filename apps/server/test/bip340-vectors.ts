/**
 * The BIP-340 standard's vectors and the raw exports of the WASM binary the server's signer and
 * verifier load (realtime/verify.ts), shared by the tests that hold that binary to the standard
 * (auth/request-signature.test.ts for verification, realtime/sign.test.ts for signing).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initNostrWasm } from 'nostr-wasm';

const vectorsDir = (): string => {
  const override = process.env.LLAMENOS_VECTORS_DIR;
  if (override) return override.endsWith('/') ? override : `${override}/`;
  // <repo>/apps/server/test/ → <repo>/../shared/vectors/
  return fileURLToPath(new URL('../../../../shared/vectors/', import.meta.url));
};

export interface Bip340Vector {
  index: string;
  /** Empty for the verification-only vectors. */
  secret: string;
  publicKey: string;
  aux: string;
  message: string;
  signature: string;
  valid: boolean;
}

/** Every row of bip340-test-vectors.csv, hex in lowercase. */
export function bip340Vectors(): Bip340Vector[] {
  const lines = readFileSync(`${vectorsDir()}bip340-test-vectors.csv`, 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const get = (name: string) => (cells[header.indexOf(name)] ?? '').toLowerCase();
    return {
      index: get('index'),
      secret: get('secret key'),
      publicKey: get('public key'),
      aux: get('aux_rand'),
      message: get('message'),
      signature: get('signature'),
      valid: get('verification result') === 'true',
    };
  });
}

export const hexBytes = (h: string): Uint8Array =>
  Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

export type WasmExports = Record<string, (...a: number[]) => number> & { g: WebAssembly.Memory };

/**
 * The exports of a fresh instance of nostr-wasm's binary: the library only exposes event signing
 * and verification, so the instance it creates is caught on its way out of
 * WebAssembly.instantiate, giving the tests libsecp256k1's own functions (export names of the
 * pinned nostr-wasm 0.1.0; "i" allocates, "o" makes a context, "g" is the memory).
 */
export async function nostrWasmExports(): Promise<WasmExports> {
  const original = WebAssembly.instantiate;
  let instance: WebAssembly.Instance | undefined;
  const capture = async (bytes: BufferSource, imports?: WebAssembly.Imports) => {
    const result = await original(bytes, imports);
    instance = result.instance;
    return result;
  };
  WebAssembly.instantiate = capture as unknown as typeof original;
  try {
    await initNostrWasm();
  } finally {
    WebAssembly.instantiate = original;
  }
  return instance!.exports as WasmExports;
}
