import { createPublicKey, createVerify, randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyOf, FaultyLoopbackFakeApi } from './loopback-fake-api.js';

/**
 * A local stand-in for the Vonage Voice API on 127.0.0.1: calls (create, read, hangup,
 * transfer) and recording files (download, delete). It records every request, and checks each
 * one's Authorization like Vonage: an RS256 JWT verified with the application's public key,
 * naming our application, with iat/exp/jti present. Faults can be injected.
 *
 * It also runs NCCOs by Vonage's rules for what the call controls use
 * (https://developer.vonage.com/en/voice/voice-api/ncco-reference, "Legs and Conversations"):
 * a `conversation` action joins the named conversation (created on first join; startOnEnter,
 * default true, starts it; a member with endOnExit leaving ends it, and every other member goes
 * on with the rest of its NCCO) and waits there; `talk` is heard and done; a call whose NCCO runs
 * out ends. A call created with an inline `ncco` runs it when it is answered; a `transfer` with an
 * inline `ncco` takes the leg out of its conversation and runs the new one. A leg's
 * `conversation_uuid` is the conversation it is in (each call has one of its own before).
 */
export interface FakeVonageRequest {
  method: string;
  path: string;
  /** The verified token's claims, or null when the token was missing or bad. */
  claims: Record<string, unknown> | null;
  json: unknown;
}

export interface FakeVonageCall {
  uuid: string;
  status: string;
  body: Record<string, unknown>;
  transfers: unknown[];
  /** The conversation the leg is in, by name, or null. */
  conversation: string | null;
  /** The conversation uuid every call has before it joins a named one. */
  ownConversation: string;
  /** What is left of its NCCO after the action it is in. */
  ncco: NccoAction[];
  /** The texts of the talk actions it heard, in order. */
  heard: string[];
}

type NccoAction = Record<string, unknown> & { action: string };

export interface FakeVonageMember {
  startOnEnter: boolean;
  endOnExit: boolean;
  /** Null: heard by everyone; []: by nobody. */
  canSpeak: string[] | null;
  canHear: string[] | null;
}

export interface FakeConversation {
  uuid: string;
  name: string;
  /** 'init' until a member that starts it joins, then 'in-progress', then 'completed'. */
  status: 'init' | 'in-progress' | 'completed';
  members: Map<string, FakeVonageMember>;
}

const LIVE = new Set(['started', 'ringing', 'answered']);
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Why an NCCO is not one Vonage would run (its answer is a 400), or null when it is. */
function nccoProblem(ncco: unknown): string | null {
  if (!Array.isArray(ncco) || ncco.length === 0) return 'ncco must be a non-empty array';
  for (const a of ncco as Record<string, unknown>[]) {
    if (typeof a !== 'object' || a === null || typeof a.action !== 'string') return 'an action has no type';
    if (a.action === 'conversation') {
      if (typeof a.name !== 'string' || !a.name) return 'conversation needs a name';
      for (const key of ['canSpeak', 'canHear'])
        if (
          a[key] !== undefined &&
          (!Array.isArray(a[key]) || !(a[key] as unknown[]).every((u) => UUID.test(String(u))))
        )
          return `${key} must be an array of leg uuids`;
      for (const key of ['startOnEnter', 'endOnExit'])
        if (a[key] !== undefined && typeof a[key] !== 'boolean') return `${key} must be a boolean`;
    }
    if (a.action === 'talk' && typeof a.text !== 'string') return 'talk needs text';
  }
  return null;
}

function verifyRs256(token: string, publicKeyPem: string): Record<string, unknown> | null {
  const [header, claims, signature] = token.split('.');
  if (!header || !claims || !signature) return null;
  const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
  if (parsedHeader.alg !== 'RS256') return null;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${claims}`);
  if (!verifier.verify(createPublicKey(publicKeyPem), Buffer.from(signature, 'base64url'))) return null;
  return JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
}

const problem = (c: Context, status: number, title: string, detail: string) =>
  c.json({ type: `https://developer.nexmo.com/api-errors#${status}`, title, detail }, status as 400);

export class FakeVonageApi extends FaultyLoopbackFakeApi {
  readonly requests: FakeVonageRequest[] = [];
  readonly calls = new Map<string, FakeVonageCall>();
  readonly files = new Map<string, { bytes: Uint8Array; deleted: boolean }>();

  constructor(private readonly app: { applicationId: string; publicKeyPem: string }) {
    super();
  }

  static async start(app: { applicationId: string; publicKeyPem: string }): Promise<FakeVonageApi> {
    const fake = new FakeVonageApi(app);
    await fake.listen(fake.routes());
    return fake;
  }

  readonly conversations = new Map<string, FakeConversation>();

  addCall(status: string): FakeVonageCall {
    const call: FakeVonageCall = {
      uuid: randomUUID(),
      status,
      body: {},
      transfers: [],
      conversation: null,
      ownConversation: `CON-${randomUUID()}`,
      ncco: [],
      heard: [],
    };
    this.calls.set(call.uuid, call);
    return call;
  }

  call(uuid: string): FakeVonageCall | undefined {
    return this.calls.get(uuid);
  }

  /** The call runs `ncco` from its start (an answer webhook's document, or a transfer's). */
  runNcco(uuid: string, ncco: unknown): void {
    const call = this.calls.get(uuid);
    if (!call) throw new Error(`no call ${uuid}`);
    const problem = nccoProblem(ncco);
    if (problem) throw new Error(`Vonage would refuse this NCCO: ${problem}`);
    this.leave(call);
    call.ncco = structuredClone(ncco as NccoAction[]);
    this.advance(call);
  }

  /**
   * The call's state changes as Vonage reports it. Answered: a call created with an inline NCCO
   * runs it. Ended: it leaves its conversation.
   */
  setCallStatus(uuid: string, status: string): void {
    const call = this.calls.get(uuid);
    if (!call) throw new Error(`no call ${uuid}`);
    const wasLive = call.status === 'answered';
    call.status = status;
    if (status === 'answered' && !wasLive && Array.isArray(call.body.ncco))
      this.runNcco(uuid, call.body.ncco);
    if (!LIVE.has(status)) {
      call.ncco = [];
      this.leave(call);
    }
  }

  /** Runs the call's NCCO until an action waits (a conversation) or it runs out (the call ends). */
  private advance(call: FakeVonageCall): void {
    while (LIVE.has(call.status)) {
      const action = call.ncco.shift();
      if (!action) {
        call.status = 'completed';
        return;
      }
      if (action.action === 'talk') call.heard.push(String(action.text));
      if (action.action === 'conversation') {
        this.join(call, action);
        return;
      }
    }
  }

  private join(call: FakeVonageCall, action: NccoAction): void {
    const name = String(action.name);
    let conversation = this.conversations.get(name);
    if (!conversation || conversation.status === 'completed') {
      conversation = { uuid: `CON-${randomUUID()}`, name, status: 'init', members: new Map() };
      this.conversations.set(name, conversation);
    }
    const member: FakeVonageMember = {
      startOnEnter: action.startOnEnter !== false,
      endOnExit: action.endOnExit === true,
      canSpeak: (action.canSpeak as string[] | undefined) ?? null,
      canHear: (action.canHear as string[] | undefined) ?? null,
    };
    conversation.members.set(call.uuid, member);
    call.conversation = name;
    if (member.startOnEnter) conversation.status = 'in-progress';
  }

  /** The leg leaves its conversation; a member with endOnExit takes everyone else out with it. */
  private leave(call: FakeVonageCall): void {
    const conversation = call.conversation ? this.conversations.get(call.conversation) : undefined;
    call.conversation = null;
    if (!conversation) return;
    const member = conversation.members.get(call.uuid);
    conversation.members.delete(call.uuid);
    if (member?.endOnExit && conversation.status === 'in-progress') {
      conversation.status = 'completed';
      for (const other of [...conversation.members.keys()]) {
        conversation.members.delete(other);
        const left = this.calls.get(other);
        if (left) {
          left.conversation = null;
          this.advance(left);
        }
      }
    }
    if (conversation.members.size === 0) conversation.status = 'completed';
  }

  /** Whether `listener` hears `speaker` (both in the same conversation, as their lists allow). */
  hears(listener: string, speaker: string): boolean {
    const a = this.calls.get(listener);
    const b = this.calls.get(speaker);
    if (!a?.conversation || a.conversation !== b?.conversation) return false;
    const conversation = this.conversations.get(a.conversation)!;
    if (conversation.status !== 'in-progress') return false;
    const l = conversation.members.get(listener)!;
    const s = conversation.members.get(speaker)!;
    return (
      (s.canSpeak === null || s.canSpeak.includes(listener)) &&
      (l.canHear === null || l.canHear.includes(speaker))
    );
  }
  addFile(bytes: Uint8Array): string {
    const id = randomUUID();
    this.files.set(id, { bytes, deleted: false });
    return id;
  }

  private routes(): Hono {
    const app = new Hono();
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname;
      const json = bodyOf(await c.req.text());
      const token = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      let claims: Record<string, unknown> | null = null;
      try {
        claims = token ? verifyRs256(token, this.app.publicKeyPem) : null;
      } catch {
        claims = null;
      }
      this.requests.push({ method: c.req.method, path, claims, json });
      const failure = await this.injectedFailure(c.req.method, path);
      if (failure) return problem(c, failure, 'Injected failure', 'injected by the test');
      const now = Date.now() / 1000;
      const valid =
        claims !== null &&
        claims.application_id === this.app.applicationId &&
        typeof claims.jti === 'string' &&
        typeof claims.iat === 'number' &&
        typeof claims.exp === 'number' &&
        claims.exp > now;
      if (!valid) return problem(c, 401, 'Invalid Token', 'the token is missing, expired or not ours');
      c.set('json' as never, json as never);
      await next();
    });

    app.post('/v1/calls', (c) => {
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      // Vonage takes either an answer_url to fetch the NCCO from or the NCCO inline, not both.
      const answerUrl = Array.isArray(body.answer_url);
      if (!Array.isArray(body.to) || !body.from || answerUrl === (body.ncco !== undefined))
        return problem(c, 400, 'Bad Request', 'to, from and one of answer_url or ncco are required');
      const problemWithNcco = body.ncco === undefined ? null : nccoProblem(body.ncco);
      if (problemWithNcco) return problem(c, 400, 'Bad Request', problemWithNcco);
      const call = this.addCall('started');
      call.body = body;
      return c.json(
        {
          uuid: call.uuid,
          status: 'started',
          direction: 'outbound',
          conversation_uuid: `CON-${randomUUID()}`,
        },
        201,
      );
    });
    app.get('/v1/calls/:uuid', (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (!call) return problem(c, 404, 'Not Found', 'no such call');
      const conversation = call.conversation ? this.conversations.get(call.conversation)!.uuid : null;
      return c.json({
        uuid: call.uuid,
        status: call.status,
        conversation_uuid: conversation ?? call.ownConversation,
      });
    });
    app.put('/v1/calls/:uuid', (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (!call) return problem(c, 404, 'Not Found', 'no such call');
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      const live = ['started', 'ringing', 'answered'].includes(call.status);
      if (!live) return problem(c, 400, 'Bad Request', 'the call is not active');
      if (body.action === 'hangup')
        this.setCallStatus(call.uuid, call.status === 'answered' ? 'completed' : 'cancelled');
      else if (body.action === 'transfer') {
        const destination = body.destination as { type?: unknown; url?: unknown; ncco?: unknown } | undefined;
        const inline = destination?.ncco !== undefined;
        if (destination?.type !== 'ncco' || inline === Array.isArray(destination.url))
          return problem(c, 400, 'Bad Request', 'destination must be {type: ncco} with a url or an ncco');
        if (inline) {
          const bad = nccoProblem(destination.ncco);
          if (bad) return problem(c, 400, 'Bad Request', bad);
          if (call.status !== 'answered') return problem(c, 400, 'Bad Request', 'the call is not answered');
          this.runNcco(call.uuid, destination.ncco);
        }
        call.transfers.push(body.destination);
      } else return problem(c, 400, 'Bad Request', 'unknown action');
      return c.body(null, 204);
    });
    app.get('/v1/files/:id', (c) => {
      const file = this.files.get(c.req.param('id'));
      if (!file || file.deleted) return problem(c, 404, 'Not Found', 'no such file');
      return c.body(file.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': 'audio/mpeg' });
    });
    app.delete('/v1/files/:id', (c) => {
      const file = this.files.get(c.req.param('id'));
      if (!file || file.deleted) return problem(c, 404, 'Not Found', 'no such file');
      file.deleted = true;
      return c.body(null, 204);
    });
    app.notFound((c) => problem(c, 404, 'Not Found', 'no such resource'));
    return app;
  }
}
