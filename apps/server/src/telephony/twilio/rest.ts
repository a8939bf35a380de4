import { ProviderHttpError, ProviderResponseError } from '../errors.js';
import type { ProviderHttp } from '../http.js';
import type { CallControl, CancelOutcome, Recording, VolunteerLegRequest } from '../provider.js';
import { checkLegRequest, requireCallbackUrl, requireId } from '../validate.js';
import type { TwilioIdForms } from './events.js';

/**
 * Call control over Twilio's 2010-04-01 REST API (Calls and Recordings), which SignalWire's
 * compatibility API reproduces under its own base URL. `http` points at
 * ".../2010-04-01" (Twilio, or the local fake) or ".../api/laml/2010-04-01" (SignalWire).
 */
interface TwilioRestConfig {
  http: ProviderHttp;
  /** The account (Twilio AccountSid, SignalWire project id) that owns the calls. */
  accountSid: string;
  ids: TwilioIdForms;
  /** mp3 is a tenth the size of wav and is what we encrypt and keep. */
  recordingFormat?: 'mp3' | 'wav';
  /** The `To` that rings a browser identity: Twilio `client:<identity>` by default. */
  browserAddress?: (identity: string, hotlineCall: string | null) => string;
}

/** Twilio's "call is not in-progress": the call already ended. */
const CALL_NOT_IN_PROGRESS = 21220;
/**
 * The leg events the hotline acts on, and no more: each one asked for is a webhook per leg, and
 * a round rings a dozen legs for each call. Only "completed" (any end: declined, rung out, hung
 * up, cancelled) is asked for. Not "initiated" or "ringing": a placed leg is live (it keeps its
 * volunteer from other calls, the board shows them ringing, the sweeper ends it after its ring
 * deadline) from the moment the API accepts it (store/legs.ts recordLegWrites), and nothing
 * tells a queued leg from a ringing one, so they would be a webhook and a statement each for a
 * state no one reads. Not "answered", which repeats the pick-up: Twilio fetches the leg's Url
 * (the screening webhook) at that moment, which marks the leg in progress (store/legs.ts
 * pickUpLeg), as Plivo's legs, which are given no ring or answered callback, always did.
 */
const LEG_EVENTS = ['completed'];
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * Twilio's browser leg: the Voice SDK registered as `identity`, told the hotline call it rings
 * for as a custom parameter (the query of a `client:` address reaches the SDK's
 * `call.customParameters`), so the app answers the card that rings.
 */
export const twilioClientAddress = (identity: string, hotlineCall: string | null) =>
  hotlineCall ? `client:${identity}?callId=${hotlineCall}` : `client:${identity}`;

const isNotInProgress = (error: unknown) =>
  error instanceof ProviderHttpError && error.providerCode === CALL_NOT_IN_PROGRESS;

export class TwilioRestClient implements CallControl {
  private readonly provider: string;
  private readonly accountPath: string;

  constructor(private readonly config: TwilioRestConfig) {
    this.provider = config.ids.provider;
    this.accountPath = `/Accounts/${encodeURIComponent(config.accountSid)}`;
  }

  private callPath(operation: string, callId: string): string {
    requireId(this.provider, operation, 'call id', callId, this.config.ids.call);
    return `${this.accountPath}/Calls/${callId}.json`;
  }

  private recordingPath(operation: string, ref: string, extension: string): string {
    requireId(this.provider, operation, 'recording ref', ref, this.config.ids.recording);
    return `${this.accountPath}/Recordings/${ref}.${extension}`;
  }

  private async updateCall(operation: string, callId: string, form: [string, string][]): Promise<string> {
    const { data } = await this.config.http.json({
      operation,
      method: 'POST',
      path: this.callPath(operation, callId),
      form,
    });
    return typeof data.status === 'string' ? data.status : '';
  }

  async createVolunteerLeg(request: VolunteerLegRequest): Promise<{ legId: string }> {
    const op = 'create leg';
    const p = this.provider;
    const leg = checkLegRequest(p, op, request, 600);
    const form: [string, string][] = [
      // A browser leg rings the Voice SDK registered as this client identity.
      [
        'To',
        'phone' in leg.target
          ? leg.target.phone
          : (this.config.browserAddress ?? twilioClientAddress)(leg.target.browser, leg.target.hotlineCall),
      ],
      ['From', leg.from],
      ['Url', leg.answerUrl],
      ['Method', 'POST'],
      ['StatusCallback', leg.statusUrl],
      ['StatusCallbackMethod', 'POST'],
      ...LEG_EVENTS.map((event): [string, string] => ['StatusCallbackEvent', event]),
      ['Timeout', String(leg.timeoutSeconds)],
    ];
    const { data } = await this.config.http.json({
      operation: op,
      method: 'POST',
      path: `${this.accountPath}/Calls.json`,
      form,
    });
    const sid = data.sid;
    if (typeof sid !== 'string' || !this.config.ids.call.test(sid))
      throw new ProviderResponseError(p, op, 'answer has no valid call sid');
    return { legId: sid };
  }

  /**
   * Status=canceled ends a queued or ringing leg and leaves an answered one alone, so when the
   * answer shows the leg in progress (the volunteer picked up as we cancelled) it is hung up
   * with Status=completed.
   */
  async cancelLeg(legId: string): Promise<CancelOutcome> {
    let status: string;
    try {
      status = await this.updateCall('cancel leg', legId, [['Status', 'canceled']]);
    } catch (error) {
      if (isNotInProgress(error)) return 'already-ended';
      throw error;
    }
    if (status === 'in-progress') {
      try {
        await this.updateCall('hang up leg', legId, [['Status', 'completed']]);
      } catch (error) {
        if (isNotInProgress(error)) return 'already-ended';
        throw error;
      }
      return 'completed';
    }
    return ENDED.has(status) && status !== 'canceled' ? 'already-ended' : 'canceled';
  }

  async hangUp(callId: string): Promise<void> {
    try {
      await this.updateCall('hang up', callId, [['Status', 'completed']]);
    } catch (error) {
      if (!isNotInProgress(error)) throw error;
    }
  }

  async redirectCall(callId: string, url: string): Promise<void> {
    const op = 'redirect';
    await this.updateCall(op, callId, [
      ['Url', requireCallbackUrl(this.provider, op, 'url', url)],
      ['Method', 'POST'],
    ]);
  }

  async fetchRecording(recordingRef: string): Promise<Recording> {
    const format = this.config.recordingFormat ?? 'mp3';
    const op = 'fetch recording';
    const type = format === 'mp3' ? 'audio/mpeg' : 'audio/wav';
    const path = this.recordingPath(op, recordingRef, format);
    return this.config.http.recording({ operation: op, path }, type);
  }

  async deleteRecording(recordingRef: string): Promise<void> {
    const op = 'delete recording';
    // 404: already deleted (a retried webhook, or a second worker) — the goal is reached.
    await this.config.http.deleteIfPresent({
      operation: op,
      path: this.recordingPath(op, recordingRef, 'json'),
    });
  }
}
