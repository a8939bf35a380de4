import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  ProviderHttpError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyError,
} from './errors.js';
import type { Recording } from './provider.js';

/**
 * The one way adapters talk to a provider's REST API: fetch with basic auth, a hard time
 * limit on the whole exchange (body included), and every failure turned into a typed
 * TelephonyError whose message carries neither the credentials nor the request body.
 */
interface ProviderHttpOptions {
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

/** How an adapter reaches its provider, as tests and the simulated carrier may change it. */
export type ProviderTransport = Pick<ProviderHttpOptions, 'timeoutMs' | 'fetch'>;

interface ProviderRequest {
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
  /** This request's time limit instead of the adapter's (a recording download takes longer). */
  timeoutMs?: number;
}

/** An answer whose body is read as it arrives (`ProviderHttp.stream`). */
interface ProviderStreamReply {
  status: number;
  contentType: string;
  /** Errors with a TelephonyError on timeout, a dropped connection or more than `maxBytes`. */
  body: ReadableStream<Uint8Array>;
}

interface ProviderReply {
  status: number;
  contentType: string;
  body: Uint8Array;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** The largest recording file we download. */
const MAX_RECORDING_BYTES = 64 * 1024 * 1024;
/** A recording streams to disk as it arrives; a long one on a slow link needs more than 10 s. */
const RECORDING_TIMEOUT_MS = 120_000;

/**
 * A recording file's URL as the provider names it, or, when tests point recordings at a local
 * fake (`testBaseUrl`), the same path on that host.
 */
export function recordingFileUrl(testBaseUrl: string | undefined, href: string): string {
  if (!testBaseUrl) return href;
  return `${testBaseUrl.replace(/\/+$/, '')}${new URL(href).pathname}`;
}

/**
 * Connections to the providers' REST APIs, kept open between requests: every call rings several
 * phones and cancels most of them, so a busy hotline sends a request or more per leg to the same
 * host. The process's pools, as fetch's own dispatcher is; an idle socket does not keep the
 * process alive (Node unrefs it), and the server's Keep-Alive hint bounds how long it is reused.
 */
const KEEP_ALIVE = { keepAlive: true, maxFreeSockets: 32 } as const;
const providerAgents = { http: new HttpAgent(KEEP_ALIVE), https: new HttpsAgent(KEEP_ALIVE) };

/** A provider's answer read whole (ProviderHttp.send). */
interface NodeReply {
  status: number;
  contentType: string;
  body: Uint8Array;
}

export class ProviderHttp {
  private readonly authorization: () => string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  /** No fetch given: requests read whole go through node:http on the kept connections. */
  private readonly nodeTransport: boolean;

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
    this.nodeTransport = options.fetch === undefined;
  }

  get provider(): string {
    return this.options.provider;
  }

  private encode(request: ProviderRequest): { headers: Record<string, string>; body: string | undefined } {
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
    return { headers, body };
  }

  private fetchRaw(request: ProviderRequest): Promise<Response> {
    const { headers, body } = this.encode(request);
    return this.fetchImpl(request.absoluteUrl ?? `${this.options.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body,
      signal: AbortSignal.timeout(request.timeoutMs ?? this.timeoutMs),
    });
  }

  /**
   * The request through node:http(s) on the kept connections, its answer read whole under
   * `maxBytes`, all under the time limit. The same exchange as fetch, without the web streams
   * and the connection set-up fetch costs per request: a leg's provider requests are the
   * largest part of its CPU at a busy hotline (issue 12 §2).
   */
  private nodeSend(request: ProviderRequest, maxBytes: number): Promise<NodeReply> {
    const { provider } = this.options;
    const url = new URL(request.absoluteUrl ?? `${this.options.baseUrl}${request.path}`);
    const { headers, body } = this.encode(request);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    return new Promise<NodeReply>((settleOk, settleError) => {
      const req = send(url, {
        method: request.method,
        headers,
        agent: secure ? providerAgents.https : providerAgents.http,
      });
      // The limit on the whole exchange, body included: a plain timer that destroys the request,
      // not an AbortSignal.timeout (an event target, a listener on the request and a weakly held
      // timer per request: a tenth of a provider request's CPU).
      const timer = setTimeout(
        () => req.destroy(new ProviderTimeoutError(provider, request.operation, timeoutMs)),
        timeoutMs,
      );
      const resolve = (reply: NodeReply) => {
        clearTimeout(timer);
        settleOk(reply);
      };
      const reject = (error: unknown) => {
        clearTimeout(timer);
        settleError(error);
      };
      req.once('error', reject);
      req.once('response', (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length']);
        const tooLarge = (bytes: number) =>
          new ProviderResponseError(
            provider,
            request.operation,
            `answer of ${bytes} bytes is above ${maxBytes}`,
          );
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          reject(tooLarge(declared));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) {
            res.destroy();
            reject(tooLarge(total));
            return;
          }
          chunks.push(chunk);
        });
        res.once('error', reject);
        res.once('aborted', () => reject(new Error('connection closed before the answer ended')));
        res.once('end', () => {
          const buffer = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
          });
        });
      });
      req.end(body);
    });
  }

  /** Turns what fetch (or reading its body) threw into a TelephonyError. */
  private failure(error: unknown, request: ProviderRequest): TelephonyError {
    const { provider } = this.options;
    if (error instanceof TelephonyError) return error;
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return new ProviderTimeoutError(provider, request.operation, request.timeoutMs ?? this.timeoutMs);
    // fetch rejects with a TypeError whose cause names the network failure, node:http with the
    // error itself; the URL is ours.
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    return new ProviderUnreachableError(
      provider,
      request.operation,
      `unreachable${cause ? ` (${cause})` : ''}`,
    );
  }

  async send(request: ProviderRequest): Promise<ProviderReply> {
    const { provider } = this.options;
    if (this.nodeTransport) {
      try {
        const reply = await this.nodeSend(request, request.maxBytes ?? DEFAULT_MAX_BYTES);
        if ((reply.status >= 200 && reply.status < 300) || request.okStatuses?.includes(reply.status))
          return reply;
        const { code, message } = errorDetails(reply);
        throw new ProviderHttpError(provider, request.operation, reply.status, code, message);
      } catch (error) {
        throw this.failure(error, request);
      }
    }
    try {
      const response = await this.fetchRaw(request);
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
      throw this.failure(error, request);
    }
  }

  /**
   * A DELETE whose 404 means the goal is already reached (a retried webhook or a second worker
   * deleted it, the channel hung up). True when this request deleted it, false on the 404.
   */
  async deleteIfPresent(
    request: Pick<ProviderRequest, 'operation' | 'path' | 'absoluteUrl'>,
  ): Promise<boolean> {
    const reply = await this.send({ ...request, method: 'DELETE', okStatuses: [404] });
    return reply.status !== 404;
  }

  /**
   * A GET of a JSON object whose 404 means it is gone (a conference that ended, a call hung up):
   * null then, so the caller reads absence as a state instead of a failure.
   */
  async getIfPresent(
    request: Pick<ProviderRequest, 'operation' | 'path'>,
  ): Promise<Record<string, unknown> | null> {
    const { status, data } = await this.json({ ...request, method: 'GET', okStatuses: [404] });
    return status === 404 ? null : data;
  }

  /**
   * A recording file, streamed under the recording size and time limits. Its type is the
   * provider's, without parameters, or `fallbackType` (also the Accept header unless
   * `accept` is given) when the provider names none.
   */
  async recording(
    request: Pick<ProviderRequest, 'operation' | 'path' | 'absoluteUrl'>,
    fallbackType: string,
    accept = fallbackType,
  ): Promise<Recording> {
    const reply = await this.stream({
      ...request,
      method: 'GET',
      accept,
      maxBytes: MAX_RECORDING_BYTES,
      timeoutMs: RECORDING_TIMEOUT_MS,
    });
    return { body: reply.body, contentType: reply.contentType.split(';')[0]?.trim() || fallbackType };
  }

  /**
   * Sends and hands back the body as a stream, read as the caller consumes it (a recording goes
   * to disk without being held in memory). An error status is read (up to 1 MiB) and thrown as
   * with `send`; the body stream errors with a TelephonyError past `maxBytes` or on a failure.
   */
  async stream(request: ProviderRequest): Promise<ProviderStreamReply> {
    const { provider } = this.options;
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
    let response: Response;
    try {
      response = await this.fetchRaw(request);
      if (!response.ok) {
        const reply = {
          status: response.status,
          contentType: response.headers.get('content-type') ?? '',
          body: await readLimited(response, DEFAULT_MAX_BYTES, provider, request.operation),
        };
        const { code, message } = errorDetails(reply);
        throw new ProviderHttpError(provider, request.operation, response.status, code, message);
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel();
        throw new ProviderResponseError(
          provider,
          request.operation,
          `answer of ${declared} bytes is above ${maxBytes}`,
        );
      }
    } catch (error) {
      throw this.failure(error, request);
    }
    const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
    let total = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          controller.error(this.failure(error, request));
          return;
        }
        if (next.done) {
          controller.close();
          return;
        }
        total += next.value.length;
        if (total > maxBytes) {
          await reader.cancel().catch(() => {});
          controller.error(
            new ProviderResponseError(provider, request.operation, `answer is above ${maxBytes} bytes`),
          );
          return;
        }
        controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
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
