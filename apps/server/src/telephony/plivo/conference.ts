import { randomBytes } from 'node:crypto';
import { ProviderResponseError, TelephonyInputError } from '../errors.js';
import type { ProviderHttp } from '../http.js';
import type { CallControl, ConnectedCall, ConnectedCallControl, VolunteerLegRequest } from '../provider.js';
import { browserLegCallId, checkDialIn, handOverLegs, requireCallbackUrl, requireId } from '../validate.js';
import { plivoBrowserUri } from './access-token.js';
import { PLIVO_ID } from './events.js';
import { plivoCallHeaders } from './rest.js';

/**
 * Hold, hand-over and silent listening of a connected Plivo call (docs/CALLS.md, "Call controls
 * on provider calls"), through the v1 Conference and Call APIs under /v1/Account/{auth id}.
 *
 * A Plivo conference member's flags (startConferenceOnEnter, endConferenceOnExit) are fixed when
 * it joins: there is no member update like Twilio's. So a call is steered by moving the caller's
 * leg between rooms with the Call Transfer API (`POST /Call/{uuid}/` with `aleg_url`), each room
 * a conference named after the call's queue, whose document the join route serves
 * (calls/conference-join.ts, `ConnectedCall.joinUrl`):
 * - `call-<id>`: the caller (joined not ending it) and the first volunteer (ending it on exit,
 *   so a volunteer hanging up never leaves the caller alone in silence; plivo-xml.ts);
 * - `call-<id>-held`: the caller on hold, alone in a conference nobody starts, hearing the wait
 *   document as its waitSound in a loop (the volunteer hears nothing in theirs). Chosen over the
 *   member API's Mute + Deaf + Play: Play takes only an mp3/wav file, the hotline's hold audio is
 *   its spoken wait document in the caller's language, and a muted, deaf member with no file
 *   would hear silence;
 * - `call-<id>-<12 hex>`: a colleague's room. Their browser is rung (`POST /Call/`) with the join
 *   document as answer URL: on pickup they wait there alone (starting it, ending it on exit);
 *   the hand-over moves the caller in and hangs up the first volunteer's member
 *   (`DELETE /Conference/{name}/Member/{id}/`), which ends the first room.
 * - a listener (an admin's browser) joins the volunteer's room muted, ending nothing.
 *
 * Every state is read from Plivo (`GET /Conference/` for the names, `GET /Conference/{name}/` for
 * the members and their call UUIDs), so any server process may act on a call.
 */

const P = 'plivo';
/** The same names the waiting room takes (plivo-xml.ts). */
const CONFERENCE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MEMBER_ID = /^\d{1,12}$/;
/** How often a ringing leg is asked after. */
const PICKUP_POLL_MS = 500;

interface PlivoConferenceConfig {
  http: ProviderHttp;
  authId: string;
  /** Ends a call that is still ringing or up (rest.ts cancelLeg). */
  cancelLeg: CallControl['cancelLeg'];
}

/** A member of one of the call's rooms, the fields we read. */
interface Member {
  room: string;
  memberId: string;
  callUuid: string;
}

type Role = 'held' | 'caller' | 'colleague' | 'listener';

export class PlivoConferences implements ConnectedCallControl {
  private readonly account: string;

  constructor(private readonly config: PlivoConferenceConfig) {
    this.account = `/v1/Account/${encodeURIComponent(config.authId)}`;
  }

  private refuse(operation: string, message: string): never {
    throw new TelephonyInputError(P, operation, message);
  }

  private uuid(operation: string, field: string, value: string): string {
    return requireId(P, operation, field, value, PLIVO_ID);
  }

  /** Every member of the call's rooms: the running conferences named the queue or after it. */
  private async members(operation: string, call: ConnectedCall): Promise<Member[]> {
    if (!CONFERENCE_NAME.test(call.queue)) this.refuse(operation, 'not a conference name');
    const { data } = await this.config.http.json({
      operation,
      method: 'GET',
      path: `${this.account}/Conference/`,
    });
    const names = (Array.isArray(data.conferences) ? data.conferences : []).filter(
      (name): name is string =>
        typeof name === 'string' &&
        CONFERENCE_NAME.test(name) &&
        (name === call.queue || name.startsWith(`${call.queue}-`)),
    );
    const members: Member[] = [];
    for (const room of names) {
      // Gone since the list (its last member left): no members.
      const conference = await this.config.http.getIfPresent({
        operation,
        path: `${this.account}/Conference/${room}/`,
      });
      if (!conference) continue;
      for (const m of Array.isArray(conference.members) ? conference.members : []) {
        const memberId = String((m as { member_id?: unknown })?.member_id ?? '');
        const callUuid = (m as { call_uuid?: unknown })?.call_uuid;
        if (MEMBER_ID.test(memberId) && typeof callUuid === 'string' && PLIVO_ID.test(callUuid))
          members.push({ room, memberId, callUuid });
      }
    }
    return members;
  }

  /** The room `uuid` is a member of, if any. */
  private roomOf(members: Member[], uuid: string): string | undefined {
    return members.find((m) => m.callUuid === uuid)?.room;
  }

  /** The join document's URL for `role` in `room` (one of the call's; the held caller's is implied). */
  private joinUrl(operation: string, call: ConnectedCall, role: Role, room?: string): string {
    const url = new URL(requireCallbackUrl(P, operation, 'joinUrl', call.joinUrl ?? ''));
    url.searchParams.set('as', role);
    const suffix = room && room !== call.queue ? room.slice(call.queue.length + 1) : '';
    if (suffix) url.searchParams.set('room', suffix);
    return url.toString();
  }

  /** Moves a live call to the document at `url` (Call Transfer); a call that is not live is a refusal. */
  private async transfer(operation: string, uuid: string, url: string): Promise<void> {
    const { status } = await this.config.http.send({
      operation,
      method: 'POST',
      path: `${this.account}/Call/${uuid}/`,
      json: { legs: 'aleg', aleg_url: url, aleg_method: 'POST' },
      okStatuses: [404],
    });
    if (status === 404) this.refuse(operation, 'the call is not live');
  }

  async holdCaller(call: ConnectedCall, onHold: boolean): Promise<{ onHold: boolean; changed: boolean }> {
    const op = onHold ? 'hold' : 'resume';
    const caller = this.uuid(op, 'caller leg', call.callerLegId);
    const volunteer = this.uuid(op, 'volunteer leg', call.volunteerLegId);
    const members = await this.members(op, call);
    const room = this.roomOf(members, volunteer) ?? this.refuse(op, 'the volunteer is not in the call');
    const callerRoom = this.roomOf(members, caller) ?? this.refuse(op, 'the caller is not in the call');
    if ((callerRoom !== room) === onHold) return { onHold, changed: false };
    await this.transfer(
      op,
      caller,
      onHold ? this.joinUrl(op, call, 'held') : this.joinUrl(op, call, 'caller', room),
    );
    return { onHold, changed: true };
  }

  /**
   * Rings a browser whose pickup joins one of the call's rooms: a colleague a fresh room of their
   * own (reporting its ringing and end to the leg's status URL, as any leg), a listener the
   * volunteer's room, muted, reporting nothing (it is no leg of the call).
   */
  private async ringBrowser(
    operation: string,
    request: VolunteerLegRequest,
    call: ConnectedCall | undefined,
    role: 'colleague' | 'listener',
  ): Promise<{ legId: string }> {
    const leg = checkDialIn(P, operation, request, 120, role === 'colleague');
    if (!call) this.refuse(operation, 'the call to join is missing');
    let room: string;
    if (role === 'colleague') {
      room = `${call.queue}-${randomBytes(6).toString('hex')}`;
    } else {
      const members = await this.members(operation, call);
      room =
        this.roomOf(members, this.uuid(operation, 'volunteer leg', call.volunteerLegId)) ??
        this.refuse(operation, 'the volunteer is not in the call');
    }
    const answerUrl = this.joinUrl(operation, call, role, room);
    // No answer event exists to send: the pickup is learnt by handOverAnswered.
    const status = leg.statusUrl
      ? { ring_url: leg.statusUrl, ring_method: 'POST', hangup_url: leg.statusUrl, hangup_method: 'POST' }
      : {};
    const { data } = await this.config.http.json({
      operation,
      method: 'POST',
      path: `${this.account}/Call/`,
      json: {
        from: leg.from.slice(1),
        to: plivoBrowserUri(leg.browser),
        answer_url: answerUrl,
        answer_method: 'POST',
        ring_timeout: leg.timeoutSeconds,
        ...status,
        ...plivoCallHeaders(browserLegCallId({ browser: leg.browser, answerUrl })),
      },
    });
    const uuid = data.request_uuid;
    if (typeof uuid !== 'string' || !PLIVO_ID.test(uuid))
      throw new ProviderResponseError(P, operation, 'answer has no valid request_uuid');
    return { legId: uuid };
  }

  ringHandOverLeg = (request: VolunteerLegRequest, call?: ConnectedCall): Promise<{ legId: string }> =>
    this.ringBrowser('transfer', request, call, 'colleague');

  /**
   * Asks Plivo until the leg is a member of one of the call's rooms (true), or it or the caller's
   * call is not live any more, or `timeoutMs` passed (false, and the ringing is stopped). Asking
   * rather than waiting for a callback: the callback may reach another server process.
   */
  async handOverAnswered(legId: string, timeoutMs: number, call?: ConnectedCall): Promise<boolean> {
    const op = 'hand-over pickup';
    const leg = this.uuid(op, 'leg', legId);
    if (!call) this.refuse(op, 'the call to join is missing');
    const caller = this.uuid(op, 'caller leg', call.callerLegId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.roomOf(await this.members(op, call), leg)) return true;
      if (!(await this.live(op, leg)) || !(await this.live(op, caller))) break;
      if (Date.now() + PICKUP_POLL_MS > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, PICKUP_POLL_MS));
    }
    await this.config.cancelLeg(leg).catch(() => {});
    return false;
  }

  /** Whether a call is still going on: live (ringing or up), or queued to be placed. */
  private async live(operation: string, uuid: string): Promise<boolean> {
    for (const status of ['live', 'queued']) {
      const reply = await this.config.http.send({
        operation,
        method: 'GET',
        path: `${this.account}/Call/${uuid}/?status=${status}`,
        okStatuses: [404],
      });
      if (reply.status !== 404) return true;
    }
    return false;
  }

  async handOver(call: ConnectedCall, toLegId: string): Promise<void> {
    const op = 'hand over';
    const { first, next, caller } = handOverLegs(call, toLegId, (field, value) =>
      this.uuid(op, field, value),
    );
    const members = await this.members(op, call);
    const room = this.roomOf(members, next) ?? this.refuse(op, 'the colleague is not in the call');
    // The caller joins the colleague, who ends that room on leaving…
    await this.transfer(op, caller, this.joinUrl(op, call, 'caller', room));
    // …and the first volunteer's member is hung up, which ends their room (and any listener's
    // place in it). Already gone (hung up meanwhile): nothing to do.
    const firstMember = members.find((m) => m.callUuid === first);
    if (firstMember)
      await this.config.http.deleteIfPresent({
        operation: op,
        path: `${this.account}/Conference/${firstMember.room}/Member/${firstMember.memberId}/`,
      });
  }

  async listen(
    call: ConnectedCall,
    listener: VolunteerLegRequest,
    timeoutMs: number,
  ): Promise<{ legId: string } | null> {
    const { legId } = await this.ringBrowser('listen', listener, call, 'listener');
    return (await this.handOverAnswered(legId, timeoutMs, call)) ? { legId } : null;
  }

  async stopListening(_call: ConnectedCall, listenerLegId: string): Promise<void> {
    // Hanging up the listener's call takes it out of the conference (ringing or joined).
    await this.config.cancelLeg(this.uuid('stop listening', 'leg', listenerLegId));
  }
}
