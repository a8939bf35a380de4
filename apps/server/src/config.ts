import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IceServers } from '@llamenos/protocol';
import { z } from 'zod';
import { type ProxyTrust, parseProxyAddress, proxyTrust } from './auth/client-ip.js';

/**
 * Configuration comes from environment variables, optionally from a JSON file named by
 * LLAMENOS_CONFIG (environment wins). It is validated once at start; a bad value stops the
 * server with a message naming the variable.
 */
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z
  .object({
    LLAMENOS_ENV: z.enum(['production', 'development', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_DIR: z.string().min(1).default('./data'),
    // The built web client to serve; default apps/web/dist of this checkout (a release sets its own).
    WEB_DIR: z.string().min(1).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    SERVER_SECRET: z
      .string()
      .regex(/^[0-9a-f]{64,}$/, 'must be at least 64 lowercase hex characters (32 bytes)')
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    TRUST_PROXY: bool.default(false),
    // Behind a chain of proxies: how many append to X-Forwarded-For (default 1); see auth/client-ip.ts.
    TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(16).optional(),
    // Or the proxies' own addresses (IPs or CIDR blocks, comma-separated): then the socket peer must be one.
    TRUST_PROXY_ADDRESSES: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .check((ctx) => {
        if (!ctx.value.length)
          ctx.issues.push({ code: 'custom', input: ctx.value, message: 'lists no address' });
        for (const entry of ctx.value)
          if (!parseProxyAddress(entry))
            ctx.issues.push({
              code: 'custom',
              input: ctx.value,
              message: `"${entry}" is not an IP address or CIDR block (such as 10.0.0.0/8)`,
            });
      })
      .optional(),
    // An external relay (strfry) instead of the embedded one at /nostr; see docs/OPERATIONS.md.
    NOSTR_RELAY_URL: z.url({ protocol: /^wss?$/ }).optional(),
    // Shared with the strfry write-policy plugin, which fetches the writer list with it.
    NOSTR_WRITERS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    // Browser calls across real networks: STUN/TURN servers as a JSON array (docs/OPERATIONS.md); none by default.
    WEBRTC_ICE_SERVERS: z.preprocess(parseJsonText, IceServers).optional(),
    // COOP/COEP on the web client (web/static.ts); "off" where they break the deployment: transcription then cannot run.
    CROSS_ORIGIN_ISOLATION: z.enum(['on', 'off']).default('on'),
  })
  .strict();

/** A JSON value given as text (an environment variable); anything else is left for the schema to judge. */
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config
  extends Omit<
    RawConfig,
    'PUBLIC_URL' | 'SERVER_SECRET' | 'TRUST_PROXY' | 'TRUST_PROXY_HOPS' | 'TRUST_PROXY_ADDRESSES'
  > {
  /** Whose word to take for the client's address: resolved from the three TRUST_PROXY* variables. */
  TRUST_PROXY: ProxyTrust;
  /** Origin the server is reached at, without a trailing slash: the base of every signed URL. */
  PUBLIC_URL: string;
  /** 32+ bytes from which every server key is derived. */
  serverSecret: Uint8Array;
  isProduction: boolean;
  /**
   * The attachment store (encrypted files: voicemails): DATA_DIR/blobs. Tests whose DATA_DIR does
   * not exist get a fresh directory under the system temp dir instead (created on first write).
   */
  blobDir: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const KNOWN = Object.keys(ConfigSchema.shape);

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`LLAMENOS_CONFIG ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`LLAMENOS_CONFIG ${file}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Development servers keep a generated secret in DATA_DIR so restarts keep their keys; production must be given one. */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'server-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Loads and validates configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const fromFile = env.LLAMENOS_CONFIG ? readConfigFile(env.LLAMENOS_CONFIG) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of KNOWN) if (env[key] !== undefined && env[key] !== '') merged[key] = env[key];
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = result.data;
  const isProduction = raw.LLAMENOS_ENV === 'production';
  if (isProduction && !raw.SERVER_SECRET) throw new ConfigError('SERVER_SECRET is required in production');
  if (isProduction && !raw.PUBLIC_URL) throw new ConfigError('PUBLIC_URL is required in production');
  if (isProduction && raw.NOSTR_RELAY_URL && !raw.NOSTR_WRITERS_TOKEN)
    throw new ConfigError('NOSTR_WRITERS_TOKEN is required in production with NOSTR_RELAY_URL');
  if (!raw.TRUST_PROXY && raw.TRUST_PROXY_HOPS !== undefined)
    throw new ConfigError('TRUST_PROXY_HOPS is set but TRUST_PROXY is not: set TRUST_PROXY=true too');
  if (!raw.TRUST_PROXY && raw.TRUST_PROXY_ADDRESSES)
    throw new ConfigError('TRUST_PROXY_ADDRESSES is set but TRUST_PROXY is not: set TRUST_PROXY=true too');
  if (raw.TRUST_PROXY_HOPS !== undefined && raw.TRUST_PROXY_ADDRESSES)
    throw new ConfigError(
      'set either TRUST_PROXY_HOPS or TRUST_PROXY_ADDRESSES, not both: with addresses, every listed proxy is skipped',
    );
  const secretHex = raw.SERVER_SECRET ?? developmentSecret(raw.DATA_DIR);
  const publicUrl = (
    raw.PUBLIC_URL ?? `http://${raw.HOST.includes(':') ? `[${raw.HOST}]` : raw.HOST}:${raw.PORT}`
  ).replace(/\/+$/, '');
  const {
    PUBLIC_URL: _p,
    SERVER_SECRET: _s,
    TRUST_PROXY: trust,
    TRUST_PROXY_HOPS: hops,
    TRUST_PROXY_ADDRESSES: proxies,
    ...rest
  } = raw;
  const blobDir =
    raw.LLAMENOS_ENV === 'test' && !existsSync(raw.DATA_DIR)
      ? path.join(tmpdir(), `llamenos-test-blobs-${randomBytes(8).toString('hex')}`)
      : path.resolve(raw.DATA_DIR, 'blobs');
  return {
    ...rest,
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: proxyTrust(trust, hops, proxies),
    serverSecret: Buffer.from(secretHex, 'hex'),
    isProduction,
    blobDir,
  };
}
