import {
  ProviderHttpError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyError,
} from './errors.js';

/**
 * The one way adapters talk to a provider's REST API: fetch with basic auth, a hard time
 * limit on the whole exchange (body included), and every failure turned into a typed
 * TelephonyError whose message carries neither the credentials nor the request body.
 */
export interface ProviderHttpOptions {
  provider: string;
  /** Origin (and optional path prefix) of the API, without a trailing slash. */
  baseUrl: string;
  /** Basic auth (Twilio, SignalWire, Plivo, ARI) ... */
  username?: string;
  password?: string;
  /**
   * ... or an Authorization header made per request (Vonage: a short-lived signed JWT).
   * Exactly one of the two must be given.
   */
  authorization?: () => string;
  /** Default 10 s: a provider that is slow while volunteers' phones ring must not hold the router. */
  timeoutMs?: number;
  /** Tests and the simulated carrier may inject their own fetch. */
  fetch?: typeof fetch;
}

export interface ProviderRequest {
  /** Names the operation in errors ("create leg", "cancel leg"). */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under baseUrl, starting with "/"; ids in it were validated by the caller. */
  path: string;
  /**
   * A full URL to use instead of baseUrl + path, for a resource the provider names by URL
   * (Vonage recordings). The caller must have checked its host against an allow-list.
   */
  absoluteUrl?: string;
  /** Sent as application/x-www-form-urlencoded; a key may repeat (StatusCallbackEvent). */
  form?: ReadonlyArray<readonly [string, string]>;
  /** Sent as application/json (Vonage, Plivo); not together with `form`. */
  json?: unknown;
  /** Statuses that are answers rather than errors (404 on delete of a deleted recording). */
  okStatuses?: readonly number[];
  /** The Accept header; default application/json. */
  accept?: string;
  /** Largest body we read (recordings); larger is an error. Default 1 MiB. */
  maxBytes?: number;
}

export interface ProviderReply {
  status: number;
  contentType: string;
  body: Uint8Array;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

export class ProviderHttp {
  private readonly authorization: () => string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ProviderHttpOptions) {
    if (options.authorization) this.authorization = options.authorization;
    else {
      if (options.username === undefined || options.password === undefined)
        throw new Error('ProviderHttp needs basic-auth credentials or an authorization function');
      const basic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
      this.authorization = () => basic;
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get provider(): string {
    return this.options.provider;
  }

  async send(request: ProviderRequest): Promise<ProviderReply> {
    const { provider } = this.options;
    const headers: Record<string, string> = {
      authorization: this.authorization(),
      accept: request.accept ?? 'application/json',
    };
    let body: string | undefined;
    if (request.form) {
      body = new URLSearchParams(request.form as [string, string][]).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    }
    try {
      const response = await this.fetchImpl(request.absoluteUrl ?? `${this.options.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const bytes = await readLimited(
        response,
        request.maxBytes ?? DEFAULT_MAX_BYTES,
        provider,
        request.operation,
      );
      const reply = {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: bytes,
      };
      if (response.ok || request.okStatuses?.includes(response.status)) return reply;
      const { code, message } = errorDetails(reply);
      throw new ProviderHttpError(provider, request.operation, response.status, code, message);
    } catch (error) {
      if (error instanceof TelephonyError) throw error;
      const name = (error as Error | undefined)?.name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new ProviderTimeoutError(provider, request.operation, this.timeoutMs);
      // fetch rejects with a TypeError whose cause names the network failure; the URL is ours.
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ProviderUnreachableError(
        provider,
        request.operation,
        `unreachable${cause ? ` (${cause})` : ''}`,
      );
    }
  }

  /** Sends and parses a JSON object answer. */
  async json(request: ProviderRequest): Promise<{ status: number; data: Record<string, unknown> }> {
    const reply = await this.send(request);
    let data: unknown;
    try {
      data = JSON.parse(new TextDecoder().decode(reply.body));
    } catch {
      throw new ProviderResponseError(this.provider, request.operation, 'answer is not JSON');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new ProviderResponseError(this.provider, request.operation, 'answer is not a JSON object');
    return { status: reply.status, data: data as Record<string, unknown> };
  }
}

async function readLimited(
  response: Response,
  maxBytes: number,
  provider: string,
  operation: string,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new ProviderResponseError(provider, operation, `answer of ${declared} bytes is above ${maxBytes}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes)
    throw new ProviderResponseError(
      provider,
      operation,
      `answer of ${bytes.length} bytes is above ${maxBytes}`,
    );
  return bytes;
}

/**
 * The provider's code and message from an error body: Twilio's {"code", "message"}, Vonage's
 * problem details {"type", "title", "detail"}, Plivo's {"error"}, ARI's {"message"}; else nulls.
 */
function errorDetails(reply: ProviderReply): { code: number | string | null; message: string | null } {
  try {
    const data = JSON.parse(new TextDecoder().decode(reply.body)) as Record<string, unknown>;
    const code = typeof data.code === 'number' || typeof data.code === 'string' ? data.code : null;
    const message = [data.message, data.detail, data.title, data.error].find(
      (value): value is string => typeof value === 'string',
    );
    return { code, message: message ?? null };
  } catch {
    return { code: null, message: null };
  }
}
