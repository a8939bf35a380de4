import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { constantTimeEqualText } from '@llamenos/crypto';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local stand-in for Asterisk's SIP-over-WebSocket transport (RFC 7118) on 127.0.0.1, to test
 * what a volunteer's browser does with the credential the server issues: REGISTER with digest
 * authentication (RFC 8760 / RFC 2617, MD5, qop=auth) against the username and password the
 * adapter pushed, an INVITE from "the hotline" to the registered browser, and BYE either way.
 * Signalling only: the SDP is carried, never used (media would be DTLS-SRTP between the
 * browser and Asterisk, which this double is not).
 */

const REALM = 'llamenos';
const HOST = 'sip-double.invalid';

interface SipMessage {
  /** The request method, or null for a response. */
  method: string | null;
  status: number | null;
  uri: string | null;
  headers: Map<string, string[]>;
  body: string;
}

const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

function parse(text: string): SipMessage {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [start, ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const response = /^SIP\/2\.0 (\d{3})/.exec(start ?? '');
  if (response) return { method: null, status: Number(response[1]), uri: null, headers, body };
  const [method, uri] = (start ?? '').split(' ');
  return { method: method ?? null, status: null, uri: uri ?? null, headers, body };
}

const first = (m: SipMessage, name: string) => m.headers.get(name)?.[0] ?? '';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const token = () => randomBytes(8).toString('hex');

function serialize(startLine: string, headers: [string, string][], body = ''): string {
  const all = [...headers, ['Content-Length', String(Buffer.byteLength(body))] as [string, string]];
  return `${startLine}\r\n${all.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

/** Digest parameters of an Authorization header: name="value" or name=value pairs. */
function digestParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g))
    params[match[1]!.toLowerCase()] = match[3] ?? match[2]!;
  return params;
}

interface Registration {
  username: string;
  contact: string;
  socket: WebSocket;
}

interface Dialog {
  callId: string;
  fromTag: string;
  toHeader: string;
  remoteTarget: string;
  socket: WebSocket;
  cseq: number;
}

/** A minimal offer: one audio line, as a PJSIP endpoint with webrtc=yes would send. */
const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=llamenos',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=rtpmap:111 opus/48000/2',
  'a=setup:actpass',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=rtcp-mux',
  'a=sendrecv',
  '',
].join('\r\n');

export class SipWebSocketDouble {
  /** Digest credentials as the adapter pushed them: username → password. */
  readonly credentials = new Map<string, string>();
  readonly registrations = new Map<string, Registration>();
  /** Every request received, by method, in order ("REGISTER", "BYE", …) with its outcome. */
  readonly log: string[] = [];
  private readonly nonces = new Set<string>();
  private readonly waiters = new Map<string, (m: SipMessage) => void>();
  private dialog: Dialog | null = null;
  /** The SDP of the browser's last 200 OK to an INVITE (its answer), for a peer that sent a real offer. */
  answerSdp: string | null = null;
  private byeListeners: ((callId: string) => void)[] = [];

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      socket.on('message', (data) => this.receive(socket, data.toString()));
    });
  }

  static async start(): Promise<SipWebSocketDouble> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      // RFC 7118: the "sip" subprotocol, or no connection.
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new SipWebSocketDouble(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(socket: WebSocket, text: string): void {
    const message = parse(text);
    if (message.status !== null) {
      const key = `${first(message, 'call-id')} ${first(message, 'cseq')}`;
      this.waiters.get(key)?.(message);
      return;
    }
    if (message.method === 'REGISTER') this.register(socket, message);
    else if (message.method === 'BYE') {
      this.reply(socket, message, 200, 'OK');
      this.log.push('BYE from browser');
      for (const listener of this.byeListeners) listener(first(message, 'call-id'));
      this.dialog = null;
    } else if (message.method === 'ACK') {
      // Nothing to do: ACKs are not answered.
    } else this.reply(socket, message, 405, 'Method Not Allowed');
  }

  private reply(
    socket: WebSocket,
    request: SipMessage,
    status: number,
    reason: string,
    extra: [string, string][] = [],
  ) {
    const to = first(request, 'to');
    const headers: [string, string][] = [
      ...(request.headers.get('via') ?? []).map((v): [string, string] => ['Via', v]),
      ['From', first(request, 'from')],
      ['To', /;tag=/.test(to) ? to : `${to};tag=${token()}`],
      ['Call-ID', first(request, 'call-id')],
      ['CSeq', first(request, 'cseq')],
      ...extra,
    ];
    socket.send(serialize(`SIP/2.0 ${status} ${reason}`, headers));
  }

  /** REGISTER: challenge, then check the digest against the pushed password in constant time. */
  private register(socket: WebSocket, request: SipMessage): void {
    const authorization = first(request, 'authorization');
    if (!authorization) {
      const nonce = token();
      this.nonces.add(nonce);
      this.log.push('REGISTER challenged');
      this.reply(socket, request, 401, 'Unauthorized', [
        ['WWW-Authenticate', `Digest realm="${REALM}", nonce="${nonce}", algorithm=MD5, qop="auth"`],
      ]);
      return;
    }
    const p = digestParams(authorization);
    const password = this.credentials.get(p.username ?? '');
    const known = p.nonce !== undefined && this.nonces.has(p.nonce);
    const ha1 = md5(`${p.username}:${REALM}:${password ?? ''}`);
    const ha2 = md5(`REGISTER:${p.uri}`);
    const expected =
      p.qop === 'auth'
        ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
        : md5(`${ha1}:${p.nonce}:${ha2}`);
    if (
      password === undefined ||
      !known ||
      p.realm !== REALM ||
      !constantTimeEqualText(expected, p.response ?? '')
    ) {
      this.log.push('REGISTER refused');
      this.reply(socket, request, 403, 'Forbidden');
      return;
    }
    const contact = first(request, 'contact');
    const target = /<([^>]+)>/.exec(contact)?.[1] ?? contact;
    this.registrations.set(p.username!, { username: p.username!, contact: target, socket });
    this.log.push('REGISTER accepted');
    this.reply(socket, request, 200, 'OK', [['Contact', `${contact};expires=600`]]);
  }

  private request(
    socket: WebSocket,
    method: string,
    uri: string,
    headers: [string, string][],
    body = '',
  ): Promise<SipMessage> {
    const callId = headers.find(([k]) => k === 'Call-ID')![1];
    const cseq = headers.find(([k]) => k === 'CSeq')![1];
    return new Promise((resolve) => {
      this.waiters.set(`${callId} ${cseq}`, (m) => {
        // Provisional answers (100, 180) are noted; the promise waits for the final one.
        if (m.status! < 200) {
          this.log.push(`${method} ${m.status}`);
          return;
        }
        this.waiters.delete(`${callId} ${cseq}`);
        resolve(m);
      });
      socket.send(
        serialize(
          `${method} ${uri} SIP/2.0`,
          [['Via', `SIP/2.0/WS ${HOST};branch=z9hG4bK${token()}`], ['Max-Forwards', '70'], ...headers],
          body,
        ),
      );
    });
  }

  /**
   * The hotline rings `username`'s registered browser; resolves with the final status. `sdp`: a
   * real offer (a Chromium page's RTCPeerConnection standing in for Asterisk's media) instead of
   * the fixed one; `headers`: extra headers on the INVITE (X-Llamenos-Call, as the adapter sets).
   */
  async invite(
    username: string,
    options: { sdp?: string; headers?: [string, string][] } = {},
  ): Promise<number> {
    const registration = this.registrations.get(username);
    if (!registration) throw new Error(`${username} is not registered`);
    const callId = token();
    const fromTag = token();
    const from = `"Llamenos" <sip:hotline@${HOST}>;tag=${fromTag}`;
    const to = `<sip:${username}@${HOST}>`;
    const answer = await this.request(
      registration.socket,
      'INVITE',
      registration.contact,
      [
        ['From', from],
        ['To', to],
        ['Call-ID', callId],
        ['CSeq', '1 INVITE'],
        ['Contact', `<sip:hotline@${HOST};transport=ws>`],
        ...(options.headers ?? []),
        ['Content-Type', 'application/sdp'],
      ],
      options.sdp ?? OFFER,
    );
    this.log.push(`INVITE ${answer.status}`);
    this.answerSdp = answer.status === 200 ? answer.body : null;
    if (answer.status !== 200) return answer.status!;
    const remoteTarget = /<([^>]+)>/.exec(first(answer, 'contact'))?.[1] ?? registration.contact;
    this.dialog = {
      callId,
      fromTag,
      toHeader: first(answer, 'to'),
      remoteTarget,
      socket: registration.socket,
      cseq: 1,
    };
    registration.socket.send(
      serialize(`ACK ${remoteTarget} SIP/2.0`, [
        ['Via', `SIP/2.0/WS ${HOST};branch=z9hG4bK${token()}`],
        ['Max-Forwards', '70'],
        ['From', from],
        ['To', this.dialog.toHeader],
        ['Call-ID', callId],
        ['CSeq', '1 ACK'],
      ]),
    );
    return 200;
  }

  /** The hotline hangs up the call in progress; resolves with the browser's answer to the BYE. */
  async bye(): Promise<number> {
    const dialog = this.dialog;
    if (!dialog) throw new Error('no call in progress');
    dialog.cseq += 1;
    const answer = await this.request(dialog.socket, 'BYE', dialog.remoteTarget, [
      ['From', `"Llamenos" <sip:hotline@${HOST}>;tag=${dialog.fromTag}`],
      ['To', dialog.toHeader],
      ['Call-ID', dialog.callId],
      ['CSeq', `${dialog.cseq} BYE`],
    ]);
    this.dialog = null;
    this.log.push(`BYE ${answer.status}`);
    return answer.status!;
  }

  /** Resolves when the browser hangs up (its BYE arrives). */
  nextByeFromBrowser(): Promise<string> {
    return new Promise((resolve) => {
      const listener = (callId: string) => {
        this.byeListeners = this.byeListeners.filter((l) => l !== listener);
        resolve(callId);
      };
      this.byeListeners.push(listener);
    });
  }
}
