import { randomUUID } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import { type Context, Hono } from 'hono';
import { parseTwiml, type Verb } from '../../src/simulator/twiml.js';
import { plivoRequest } from '../plivo-webhooks.js';
import { bodyOf, FaultyLoopbackFakeApi } from './loopback-fake-api.js';

/**
 * A local stand-in for Plivo's v1 REST API on 127.0.0.1: Call create / hang up / transfer,
 * Request cancel, Recording details / file / delete. Basic auth is checked like Plivo (auth id
 * and token, and the path's account must be the auth id). Every request is recorded; failures
 * and delays can be injected.
 *
 * With `documents: true` it also runs the calls' Plivo XML as Plivo would, for what the hotline
 * uses of it: a call answered (`answer`) or transferred (`POST /Call/{uuid}/` with `aleg_url`)
 * fetches its document with a signed POST (X-Plivo-Signature-V3, the auth token) and runs it;
 * <Conference> joins a named conference by its flags (a member that ends it on exit ends it
 * for everyone, whose documents then hang up; maxMembers turns a late joiner away; a member
 * joining a conference nobody started fetches its waitSound, signed, as Plivo does);
 * <Hangup/> ends the call. The Conference API answers what we read and do: the list of running
 * conferences, one's members, and hanging up a member. Live calls answer
 * `GET /Call/{uuid}/?status=live`.
 */
export interface FakePlivoRequest {
  method: string;
  path: string;
  auth: { username: string; password: string } | null;
  json: unknown;
}

export interface FakePlivoCall {
  uuid: string;
  /** 'ringing' (a request) → 'in-progress' (a call) → 'completed' | 'canceled'. */
  state: 'ringing' | 'in-progress' | 'completed' | 'canceled';
  body: Record<string, unknown>;
  transfers: unknown[];
}

/** A member of a fake conference, with the flags it joined with (Plivo cannot change them later). */
export interface FakePlivoMember {
  memberId: string;
  callUuid: string;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  muted: boolean;
  /** What its waitSound URL answered, when it joined a conference nobody had started. */
  waitDocument: string | null;
}

export interface FakePlivoConference {
  name: string;
  started: boolean;
  members: Map<string, FakePlivoMember>;
}

const LIVE = new Set(['ringing', 'in-progress']);

function basicAuth(header: string | undefined): FakePlivoRequest['auth'] {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const error = (c: Context, status: number, message: string) =>
  c.json({ api_id: randomUUID(), error: message }, status as 400);

export class FakePlivoApi extends FaultyLoopbackFakeApi {
  readonly requests: FakePlivoRequest[] = [];
  readonly calls = new Map<string, FakePlivoCall>();
  readonly recordings = new Map<string, { bytes: Uint8Array; deleted: boolean; url?: string }>();
  readonly conferences = new Map<string, FakePlivoConference>();
  /** Every document a call fetched and ran (with `documents`), in order. */
  readonly documents: { callUuid: string; url: string; xml: string }[] = [];
  private nextMemberId = 100;

  constructor(private readonly account: { authId: string; authToken: string; documents?: boolean }) {
    super();
  }

  static async start(account: {
    authId: string;
    authToken: string;
    documents?: boolean;
  }): Promise<FakePlivoApi> {
    const fake = new FakePlivoApi(account);
    await fake.listen(fake.routes());
    return fake;
  }

  /** Clears the conferences and documents between tests (the calls and requests stay the test's to read). */
  resetConferences(): void {
    this.conferences.clear();
    this.documents.length = 0;
  }

  /** A signed POST of Plivo's call parameters to `url`; its body. */
  private async fetchDocument(call: FakePlivoCall, url: string): Promise<string> {
    const params: Record<string, string> = {
      CallUUID: call.uuid,
      CallStatus: call.state,
      From: String(call.body.from ?? ''),
      To: String(call.body.to ?? ''),
    };
    // A call we placed carries its request uuid (the same uuid, as Plivo reports it).
    if (call.body.answer_url) params.RequestUUID = call.uuid;
    const response = await fetch(url, plivoRequest(this.account.authToken, url, params));
    const xml = await response.text();
    if (!response.ok) throw new Error(`document ${url} answered ${response.status}: ${xml}`);
    this.documents.push({ callUuid: call.uuid, url, xml });
    return xml;
  }

  /** What Plivo does with a call's document: joins its <Conference>, or hangs up. */
  async runDocument(uuid: string, xml: string): Promise<void> {
    const call = this.calls.get(uuid);
    if (!call) throw new Error(`no fake Plivo call ${uuid}`);
    for (const verb of parseTwiml(xml)) {
      if (verb.name === 'Hangup') return this.endCall(call, 'completed');
      if (verb.name === 'Conference' && (await this.join(call, verb))) return;
    }
    // The document ran out (or a conference turned the call away): Plivo hangs up.
    this.endCall(call, 'completed');
  }

  /** A <Conference>: true when the call joined (and stays until it leaves). */
  private async join(call: FakePlivoCall, verb: Verb): Promise<boolean> {
    const flag = (name: string, fallback: boolean) =>
      verb.attributes[name] === undefined ? fallback : verb.attributes[name] === 'true';
    let conference = this.conferences.get(verb.text);
    if (!conference) {
      conference = { name: verb.text, started: false, members: new Map() };
      this.conferences.set(verb.text, conference);
    }
    const max = Number(verb.attributes.maxMembers ?? 20);
    if (conference.members.size >= max) return false;
    const member: FakePlivoMember = {
      memberId: String(this.nextMemberId++),
      callUuid: call.uuid,
      startConferenceOnEnter: flag('startConferenceOnEnter', true),
      endConferenceOnExit: flag('endConferenceOnExit', false),
      muted: flag('muted', false),
      waitDocument: null,
    };
    conference.members.set(member.memberId, member);
    if (member.startConferenceOnEnter) conference.started = true;
    const waitSound = verb.attributes.waitSound;
    if (!conference.started && waitSound) member.waitDocument = await this.fetchDocument(call, waitSound);
    return true;
  }

  /** The conference and member `uuid` is in, if any. */
  memberOf(uuid: string): { conference: FakePlivoConference; member: FakePlivoMember } | null {
    for (const conference of this.conferences.values())
      for (const member of conference.members.values())
        if (member.callUuid === uuid) return { conference, member };
    return null;
  }

  /** The call leaves its conference; a member that ends it on exit ends it, hanging up the others. */
  private leave(uuid: string): void {
    const at = this.memberOf(uuid);
    if (!at) return;
    const { conference, member } = at;
    conference.members.delete(member.memberId);
    if (member.endConferenceOnExit) {
      const others = [...conference.members.values()];
      conference.members.clear();
      // Their <Conference> ends; every document of ours hangs up after it.
      for (const other of others) {
        const call = this.calls.get(other.callUuid);
        if (call) this.endCall(call, 'completed');
      }
    }
    if (conference.members.size === 0) this.conferences.delete(conference.name);
  }

  private endCall(call: FakePlivoCall, state: 'completed' | 'canceled'): void {
    if (!LIVE.has(call.state)) return;
    call.state = state;
    this.leave(call.uuid);
  }

  /** A call as the shared conference-controls tests read it (test/conference-controls.ts). */
  call(uuid: string): { status: string } | undefined {
    const call = this.calls.get(uuid);
    return call && { status: call.state };
  }

  /**
   * The shared tests' words for the network: busy, no answer and failed end a call that never
   * joined (Plivo reports them as the call's hangup cause; the fake keeps it as 'canceled').
   */
  setCallStatus(uuid: string, status: string): Promise<void> {
    const state = ['busy', 'no-answer', 'failed', 'canceled'].includes(status)
      ? 'canceled'
      : (status as FakePlivoCall['state']);
    return this.setCallState(uuid, state);
  }

  /** The network: a call rings, is picked up, hangs up. A pickup fetches and runs its answer URL. */
  async setCallState(uuid: string, state: FakePlivoCall['state']): Promise<void> {
    const call = this.calls.get(uuid);
    if (!call) throw new Error(`no fake Plivo call ${uuid}`);
    if (state === 'completed' || state === 'canceled') return this.endCall(call, state);
    const answered = call.state === 'ringing' && state === 'in-progress';
    call.state = state;
    if (answered && this.account.documents && typeof call.body.answer_url === 'string')
      await this.runDocument(uuid, await this.fetchDocument(call, call.body.answer_url));
  }

  addCall(state: FakePlivoCall['state']): FakePlivoCall {
    const call: FakePlivoCall = { uuid: randomUUID(), state, body: {}, transfers: [] };
    this.calls.set(call.uuid, call);
    return call;
  }

  /** A recording; `url` overrides the file URL its details give (to test the host check). */
  addRecording(bytes: Uint8Array, url?: string): string {
    const id = randomUUID();
    this.recordings.set(id, { bytes, deleted: false, url });
    return id;
  }

  private routes(): Hono {
    const app = new Hono();
    const account = `/v1/Account/${this.account.authId}`;
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname;
      const json = bodyOf(await c.req.text());
      const auth = basicAuth(c.req.header('authorization'));
      this.requests.push({ method: c.req.method, path, auth, json });
      const failure = await this.injectedFailure(c.req.method, path);
      if (failure) return error(c, failure, 'injected failure');
      const ok =
        auth !== null &&
        constantTimeEqualText(auth.username, this.account.authId) &&
        constantTimeEqualText(auth.password, this.account.authToken) &&
        (path.startsWith(`${account}/`) || path.startsWith('/media/'));
      if (!ok) return error(c, 401, 'Authentication credentials invalid');
      c.set('json' as never, json as never);
      await next();
    });

    app.post(`${account}/Call/`, (c) => {
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      if (!body.from || !body.to || !body.answer_url)
        return error(c, 400, 'from, to and answer_url are required');
      const call = this.addCall('ringing');
      call.body = body;
      return c.json({ api_id: randomUUID(), message: 'call fired', request_uuid: call.uuid }, 201);
    });
    app.delete(`${account}/Request/:uuid/`, (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (call?.state !== 'ringing') return error(c, 404, 'not found');
      this.endCall(call, 'canceled');
      return c.body(null, 204);
    });
    app.delete(`${account}/Call/:uuid/`, (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (call?.state !== 'in-progress') return error(c, 404, 'not found');
      this.endCall(call, 'completed');
      return c.body(null, 204);
    });
    app.get(`${account}/Call/:uuid/`, (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      // A live call is ringing or up; the fake places calls at once, so none is ever queued.
      const status = c.req.query('status');
      if (!call || status !== 'live' || !LIVE.has(call.state)) return error(c, 404, 'not found');
      return c.json({ api_id: randomUUID(), call_uuid: call.uuid, call_status: call.state });
    });
    app.post(`${account}/Call/:uuid/`, async (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (call?.state !== 'in-progress') return error(c, 404, 'not found');
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      call.transfers.push(body);
      if (this.account.documents) {
        if (body.legs !== 'aleg' || typeof body.aleg_url !== 'string')
          return error(c, 400, 'legs and aleg_url are required');
        // The call leaves where it is (its flags apply) and runs the new document. Plivo does
        // this after answering; the fake before, so a test reads the outcome at once.
        this.leave(call.uuid);
        await this.runDocument(call.uuid, await this.fetchDocument(call, body.aleg_url));
      }
      return c.json({ api_id: randomUUID(), message: 'call transferred' }, 202);
    });
    app.get(`${account}/Conference/`, (c) =>
      c.json({ api_id: randomUUID(), conferences: [...this.conferences.keys()] }),
    );
    app.get(`${account}/Conference/:name/`, (c) => {
      const conference = this.conferences.get(c.req.param('name'));
      if (!conference) return error(c, 404, 'conference not found');
      const members = [...conference.members.values()].map((m) => ({
        member_id: m.memberId,
        call_uuid: m.callUuid,
        muted: m.muted,
        deaf: false,
        direction: 'outbound',
        join_time: '1',
      }));
      return c.json({
        api_id: randomUUID(),
        conference_name: conference.name,
        conference_run_time: '1',
        conference_member_count: String(members.length),
        members,
      });
    });
    app.delete(`${account}/Conference/:name/Member/:member/`, (c) => {
      const member = this.conferences.get(c.req.param('name'))?.members.get(c.req.param('member'));
      const call = member && this.calls.get(member.callUuid);
      if (!call) return error(c, 404, 'not found');
      // Hanging up a member ends its call (and, by its flags, maybe the conference).
      this.endCall(call, 'completed');
      return c.body(null, 204);
    });
    app.get(`${account}/Recording/:id/`, (c) => {
      const id = c.req.param('id');
      const recording = this.recordings.get(id);
      if (!recording || recording.deleted) return error(c, 404, 'not found');
      const url = recording.url ?? `https://media.plivo.com/media/${this.account.authId}/Recording/${id}.mp3`;
      return c.json({ api_id: randomUUID(), recording_id: id, recording_url: url, recording_format: 'mp3' });
    });
    app.delete(`${account}/Recording/:id/`, (c) => {
      const recording = this.recordings.get(c.req.param('id'));
      if (!recording || recording.deleted) return error(c, 404, 'not found');
      recording.deleted = true;
      return c.body(null, 204);
    });
    app.get('/media/:account/Recording/:file', (c) => {
      const id = c.req.param('file').replace(/\.mp3$/, '');
      const recording = this.recordings.get(id);
      if (!recording || recording.deleted) return error(c, 404, 'not found');
      return c.body(recording.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': 'audio/mpeg' });
    });
    app.notFound((c) => error(c, 404, 'not found'));
    return app;
  }
}
