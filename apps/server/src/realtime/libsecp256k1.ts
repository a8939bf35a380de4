/**
 * libsecp256k1's own functions from nostr-wasm's WebAssembly binary. The library builds the
 * instance itself and exposes only event signing and verification, so the instance is caught on
 * its way out of WebAssembly.instantiate during the one call that makes it. Used by the hub-event
 * signer (verify.ts) and by the sealer's ephemeral keys (conversations/ephemeral-keys.ts), each
 * with an instance of its own (a worker thread cannot share one).
 *
 * Export names of the pinned nostr-wasm 0.1.0: "i" malloc, "o" context_create, "r"
 * keypair_create, "s" keypair_xonly_pub, "q" xonly_pubkey_serialize, "t" schnorrsig_sign32, "g"
 * the memory. Whoever uses them checks them against known answers before trusting them.
 */
import type { initNostrWasm } from 'nostr-wasm';

export type WasmExports = Record<string, unknown> & { g?: unknown };
export type WasmFn = (...args: number[]) => number;
type Nostr = Awaited<ReturnType<typeof initNostrWasm>>;

/** libsecp256k1's flags for a context that signs (SECP256K1_CONTEXT_SIGN) and verifies. */
export const CONTEXT_SIGN = 513;
export const CONTEXT_VERIFY = 257;

/** A new instance of nostr-wasm: the library's API, and the raw exports (null if not caught). */
export async function loadLibsecp256k1(): Promise<{ nostr: Nostr; exports: WasmExports | null }> {
  const { initNostrWasm } = await import('nostr-wasm');
  const original = WebAssembly.instantiate;
  let exports: WasmExports | null = null;
  const capture = async (...args: Parameters<typeof original>) => {
    const result = (await (original as (...a: unknown[]) => Promise<unknown>)(...args)) as
      | WebAssembly.WebAssemblyInstantiatedSource
      | WebAssembly.Instance;
    const instance = 'instance' in result ? result.instance : result;
    exports = instance.exports as WasmExports;
    return result;
  };
  WebAssembly.instantiate = capture as unknown as typeof original;
  try {
    return { nostr: await initNostrWasm(), exports };
  } finally {
    WebAssembly.instantiate = original;
  }
}

/** The named exports as functions and the memory, or null if one is missing. */
export function rawFunctions(
  x: WasmExports,
  names: readonly string[],
): { fns: WasmFn[]; memory: WebAssembly.Memory } | null {
  const fns = names.map((name) => x[name]);
  if (!fns.every((f) => typeof f === 'function') || !(x.g instanceof WebAssembly.Memory)) return null;
  return { fns: fns as WasmFn[], memory: x.g };
}
