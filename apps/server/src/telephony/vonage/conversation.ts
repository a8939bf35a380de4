import { ProviderHttpError, TelephonyInputError } from '../errors.js';
import type { ProviderHttp } from '../http.js';
import type {
  CallControl,
  ConnectedCall,
  ConnectedCallControl,
  Prompt,
  VolunteerLegRequest,
} from '../provider.js';
import { checkDialIn, requireCallbackUrl, requireId } from '../validate.js';
import { toVonageNumber, VONAGE_CALL_ID } from './ids.js';
import { conversationName, talk } from './ncco.js';
import { placeVonageCall } from './rest.js';

/**
 * Hold, hand-over and silent listening of a connected Vonage call (docs/CALLS.md, "Call controls
 * on provider calls"), through the Voice API's calls resource
 * (https://developer.vonage.com/en/api/voice). A connected call is the named conversation of the
 * call's waiting room (ncco.ts: the caller joins `call-<id>` with startOnEnter false, the
 * answering volunteer with startOnEnter true, and nobody with endOnExit, see there).
 *
 * - Hold: the caller's leg is transferred (`PUT /v1/calls/{uuid}` `action: transfer` with an
 *   inline NCCO) into a conversation of its own, `call-<id>-hold`, that never starts, after the
 *   hold prompt in their language: the volunteer hears nothing, the caller hears the prompt and
 *   then the hotline's hold music (the conversation's musicOnHoldUrl). `earmuff`/`mute` would also silence both ways, but leave the caller in silence
 *   with no word that they are held, and Vonage plays nothing to an earmuffed leg. Resume
 *   transfers the leg back into `call-<id>`.
 * - Whether the caller is held is read from Vonage: `GET /v1/calls/{uuid}` names the conversation
 *   each leg is in (`conversation_uuid`); the caller is held when theirs is not the volunteer's.
 *   So any server process may act on a call, and asking for the state it is in changes nothing.
 * - Hand-over: the colleague's browser is called (`POST /v1/calls`, `to` their `app` user) with
 *   an inline NCCO joining `call-<id>`; the request that rang asks Vonage until that call is
 *   `answered` (or ended). Then the first volunteer's leg is hung up and the caller transferred
 *   back into `call-<id>`, now with the colleague.
 * - Listening: an admin's browser is called with an inline NCCO joining `call-<id>` with
 *   `canSpeak: []` (nobody hears it) and no event URL (it is no leg of the call).
 */

const P = 'vonage';
/** A Vonage call in these states will not pick up or carry audio any more. */
const ENDED = new Set(['completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered']);
/** How often a ringing call is asked after (Vonage's REST rate limit is far higher). */
const PICKUP_POLL_MS = 500;

type Ncco = Record<string, unknown>[];

interface VonageConversationsConfig {
  http: ProviderHttp;
  /** Hangs up a call in any state, and says what it ended (rest.ts). */
  cancelLeg: CallControl['cancelLeg'];
}

/** A call as Vonage shows it, the fields we read. */
interface VonageCall {
  status: string;
  conversation: string | null;
}

/** The conversation a held caller waits in: never started, so nobody hears anyone there. */
export const holdConversationName = (queue: string): string => `${queue}-hold`;

/**
 * The inline NCCO of a held caller: the hold prompt, then waiting alone in a conversation that
 * never starts, hearing its music on hold (the hotline's hold music, looped by Vonage until the
 * caller leaves it) instead of silence.
 */
export function holdNcco(queue: string, prompt: Prompt | undefined, holdAudioUrl?: string): Ncco {
  const music =
    holdAudioUrl === undefined
      ? {}
      : { musicOnHoldUrl: [requireCallbackUrl(P, 'hold', 'holdAudioUrl', holdAudioUrl)] };
  const wait = {
    action: 'conversation',
    name: conversationName(holdConversationName(queue), 'hold'),
    startOnEnter: false,
    ...music,
  };
  return prompt?.kind === 'say' ? [talk(prompt, 'hold'), wait] : [wait];
}

/** The inline NCCO that puts a leg into the call's conversation (back from hold, or handed over). */
export function joinCallNcco(queue: string, operation: string): Ncco {
  return [
    {
      action: 'conversation',
      name: conversationName(queue, operation),
      startOnEnter: true,
      endOnExit: false,
    },
  ];
}

/** The inline NCCO of a silent listener: in the call's conversation, heard by nobody, starting nothing. */
export function listenerNcco(queue: string): Ncco {
  return [
    {
      action: 'conversation',
      name: conversationName(queue, 'listen'),
      startOnEnter: false,
      endOnExit: false,
      canSpeak: [],
    },
  ];
}

export class VonageConversations implements ConnectedCallControl {
  constructor(private readonly config: VonageConversationsConfig) {}

  private refuse(operation: string, message: string): never {
    throw new TelephonyInputError(P, operation, message);
  }

  private path(operation: string, field: string, uuid: string): string {
    return `/v1/calls/${requireId(P, operation, field, uuid, VONAGE_CALL_ID)}`;
  }

  /** The call, or null when Vonage does not know it (404). */
  private async call(operation: string, field: string, uuid: string): Promise<VonageCall | null> {
    const data = await this.config.http.getIfPresent({ operation, path: this.path(operation, field, uuid) });
    if (!data) return null;
    return {
      status: typeof data.status === 'string' ? data.status : '',
      conversation: typeof data.conversation_uuid === 'string' ? data.conversation_uuid : null,
    };
  }

  /** The call, refused (409) unless it is answered and in a conversation. */
  private async liveCall(operation: string, field: string, uuid: string): Promise<VonageCall> {
    const call = await this.call(operation, field, uuid);
    if (call?.status !== 'answered' || !call.conversation)
      this.refuse(operation, `the ${field} is not connected`);
    return call;
  }

  /**
   * Replaces the leg's NCCO with `ncco`. Vonage answers 400 for a call that ended meanwhile: a
   * refusal (409), not a provider failure.
   */
  private async transfer(operation: string, field: string, uuid: string, ncco: Ncco): Promise<void> {
    try {
      await this.config.http.send({
        operation,
        method: 'PUT',
        path: this.path(operation, field, uuid),
        json: { action: 'transfer', destination: { type: 'ncco', ncco } },
      });
    } catch (error) {
      if (error instanceof ProviderHttpError && (error.status === 400 || error.status === 404))
        this.refuse(operation, `the ${field} is not connected`);
      throw error;
    }
  }

  async holdCaller(call: ConnectedCall, onHold: boolean): Promise<{ onHold: boolean; changed: boolean }> {
    const op = onHold ? 'hold' : 'resume';
    const caller = await this.liveCall(op, 'caller leg', call.callerLegId);
    const volunteer = await this.liveCall(op, 'volunteer leg', call.volunteerLegId);
    const held = caller.conversation !== volunteer.conversation;
    if (held === onHold) return { onHold, changed: false };
    const ncco = onHold
      ? holdNcco(call.queue, call.holdPrompt, call.holdAudioUrl)
      : joinCallNcco(call.queue, op);
    await this.transfer(op, 'caller leg', call.callerLegId, ncco);
    return { onHold, changed: true };
  }

  /** Calls a browser with an inline NCCO (Vonage runs it when the browser picks up). */
  private async callBrowser(
    operation: string,
    request: VolunteerLegRequest,
    ncco: Ncco,
    reportStatus: boolean,
  ): Promise<{ legId: string }> {
    // Vonage's ringing_timeout runs from 1 to 120 s.
    const leg = checkDialIn(P, operation, request, 120, reportStatus);
    const body = {
      to: [{ type: 'app', user: leg.browser }],
      from: { type: 'phone', number: toVonageNumber(leg.from) },
      ncco,
      ringing_timeout: leg.timeoutSeconds,
      // A listener reports nothing: without event_url its events go to the application's event
      // URL (the status route), which knows no call by its uuid and ignores them.
      ...(leg.statusUrl ? { event_url: [leg.statusUrl], event_method: 'POST' } : {}),
    };
    return placeVonageCall(this.config.http, operation, body);
  }

  ringHandOverLeg = (request: VolunteerLegRequest, call?: ConnectedCall): Promise<{ legId: string }> => {
    if (!call) this.refuse('transfer', 'the call to join is missing');
    // Joins without ending the conversation on leaving: until the hand-over is done, a colleague
    // who drops must leave the caller with the first volunteer.
    return this.callBrowser('transfer', request, joinCallNcco(call.queue, 'transfer'), true);
  };

  /**
   * Asks Vonage until the call is answered (true: its NCCO has put it into the conversation),
   * ended (false), the caller's call ended (false), or `timeoutMs` passed (false). Asking rather
   * than waiting for the event webhook: that may reach another server process than the one whose
   * request waits. A call that did not pick up is hung up.
   */
  async handOverAnswered(legId: string, timeoutMs: number, call?: ConnectedCall): Promise<boolean> {
    const op = 'hand-over pickup';
    requireId(P, op, 'leg', legId, VONAGE_CALL_ID);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leg = await this.call(op, 'leg', legId);
      if (!leg || ENDED.has(leg.status)) return false;
      if (leg.status === 'answered') return true;
      if (call) {
        const caller = await this.call(op, 'caller leg', call.callerLegId);
        if (!caller || ENDED.has(caller.status)) break;
      }
      if (Date.now() + PICKUP_POLL_MS > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, PICKUP_POLL_MS));
    }
    await this.config.cancelLeg(legId).catch(() => {});
    return false;
  }

  async handOver(call: ConnectedCall, toLegId: string): Promise<void> {
    const op = 'hand over';
    requireId(P, op, 'leg', toLegId, VONAGE_CALL_ID);
    // The first volunteer leaves; nobody joined with endOnExit, so the conversation goes on with
    // the colleague in it…
    await this.config.cancelLeg(requireId(P, op, 'volunteer leg', call.volunteerLegId, VONAGE_CALL_ID));
    // …and the caller comes back from hold into it.
    await this.transfer(op, 'caller leg', call.callerLegId, joinCallNcco(call.queue, op));
  }

  async listen(
    call: ConnectedCall,
    listener: VolunteerLegRequest,
    timeoutMs: number,
  ): Promise<{ legId: string } | null> {
    const { legId } = await this.callBrowser('listen', listener, listenerNcco(call.queue), false);
    return (await this.handOverAnswered(legId, timeoutMs, call)) ? { legId } : null;
  }

  async stopListening(_call: ConnectedCall, listenerLegId: string): Promise<void> {
    // Hanging up the listener's call takes it out of the conversation, ringing or connected.
    await this.config.cancelLeg(requireId(P, 'stop listening', 'leg', listenerLegId, VONAGE_CALL_ID));
  }
}
