import { ProviderHttpError, ProviderResponseError, TelephonyInputError } from '../errors.js';
import { type ProviderHttp, recordingFileUrl } from '../http.js';
import type { CallControl, CancelOutcome, Recording, VolunteerLegRequest } from '../provider.js';
import { checkLegRequest, requireCallbackUrl, requireId } from '../validate.js';
import { toVonageNumber, VONAGE_CALL_ID, vonageRecordingUrl } from './ids.js';

/**
 * Call control over the Vonage Voice API (https://developer.vonage.com/en/api/voice):
 * POST /v1/calls to ring a volunteer, PUT /v1/calls/{uuid} to hang up or transfer, GET to read
 * a call's state, and the recording file URLs for download and deletion. Every request carries
 * a fresh RS256 application token (see jwt.ts), made by `http`.
 */
interface VonageRestConfig {
  http: ProviderHttp;
  /**
   * Tests only: where recording files are fetched, instead of the Vonage host named in the
   * reference (the reference itself is still checked against the allow-list).
   */
  recordingBaseUrl?: string;
}

const P = 'vonage';
/** States after which a Vonage call never changes again. */
const ENDED = new Set(['completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered']);
/** An hour of mp3 is ~60 MB at Vonage's bit rate; more is refused. */

export class VonageRestClient implements CallControl {
  constructor(private readonly config: VonageRestConfig) {}

  private callPath(operation: string, uuid: string): string {
    return `/v1/calls/${requireId(P, operation, 'call id', uuid, VONAGE_CALL_ID)}`;
  }

  private async status(operation: string, uuid: string): Promise<string> {
    const { data } = await this.config.http.json({
      operation,
      method: 'GET',
      path: this.callPath(operation, uuid),
    });
    return typeof data.status === 'string' ? data.status : '';
  }

  private async update(operation: string, uuid: string, body: Record<string, unknown>): Promise<void> {
    await this.config.http.send({
      operation,
      method: 'PUT',
      path: this.callPath(operation, uuid),
      json: body,
    });
  }

  /**
   * A hangup that Vonage refuses because the call is already over is not an error: the state
   * is read again, and an ended call means the goal is reached.
   */
  private async hangupOrEnded(operation: string, uuid: string): Promise<'done' | 'already-ended'> {
    try {
      await this.update(operation, uuid, { action: 'hangup' });
      return 'done';
    } catch (error) {
      if (!(error instanceof ProviderHttpError) || error.status >= 500) throw error;
      const now = await this.status(`${operation} (state)`, uuid).catch(() => '');
      if (ENDED.has(now)) return 'already-ended';
      throw error;
    }
  }

  async createVolunteerLeg(request: VolunteerLegRequest): Promise<{ legId: string }> {
    const op = 'create leg';
    // Vonage's ringing_timeout runs from 1 to 120 s.
    const leg = checkLegRequest(P, op, request, 120);
    const body = {
      // A browser leg rings the Client SDK session of the user named by the identity.
      to: [
        'phone' in leg.target
          ? { type: 'phone', number: toVonageNumber(leg.target.phone) }
          : { type: 'app', user: leg.target.browser },
      ],
      from: { type: 'phone', number: toVonageNumber(leg.from) },
      answer_url: [leg.answerUrl],
      answer_method: 'POST',
      event_url: [leg.statusUrl],
      event_method: 'POST',
      ringing_timeout: leg.timeoutSeconds,
    };
    return placeVonageCall(this.config.http, op, body);
  }

  /**
   * Vonage has one hangup for every state, so the state is read first to tell the router what
   * was ended: a leg still starting or ringing is 'canceled', an answered one 'completed'.
   */
  async cancelLeg(legId: string): Promise<CancelOutcome> {
    const op = 'cancel leg';
    let before: string;
    try {
      before = await this.status(op, legId);
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status === 404) return 'already-ended';
      throw error;
    }
    if (ENDED.has(before)) return 'already-ended';
    const outcome = await this.hangupOrEnded(op, legId);
    if (outcome === 'already-ended') return 'already-ended';
    return before === 'answered' ? 'completed' : 'canceled';
  }

  async hangUp(callId: string): Promise<void> {
    await this.hangupOrEnded('hang up', callId);
  }

  async redirectCall(callId: string, url: string): Promise<void> {
    const op = 'redirect';
    await this.update(op, callId, {
      action: 'transfer',
      destination: { type: 'ncco', url: [requireCallbackUrl(P, op, 'url', url)] },
    });
  }

  private recordingTarget(operation: string, ref: string): string {
    const canonical = vonageRecordingUrl(ref);
    if (!canonical)
      throw new TelephonyInputError(P, operation, 'recording ref is not a Vonage recording URL');
    return recordingFileUrl(this.config.recordingBaseUrl, canonical);
  }

  async fetchRecording(recordingRef: string): Promise<Recording> {
    const op = 'fetch recording';
    const absoluteUrl = this.recordingTarget(op, recordingRef);
    return this.config.http.recording({ operation: op, path: '', absoluteUrl }, 'audio/mpeg');
  }

  async deleteRecording(recordingRef: string): Promise<void> {
    const op = 'delete recording';
    // 404: already deleted (a retried webhook, or a second worker): the goal is reached.
    const absoluteUrl = this.recordingTarget(op, recordingRef);
    await this.config.http.deleteIfPresent({ operation: op, path: '', absoluteUrl });
  }
}

/** Places a call (`POST /v1/calls`): a volunteer's leg, or a browser dialled into a call. */
export async function placeVonageCall(
  http: ProviderHttp,
  operation: string,
  body: Record<string, unknown>,
): Promise<{ legId: string }> {
  const { data } = await http.json({ operation, method: 'POST', path: '/v1/calls', json: body });
  if (typeof data.uuid !== 'string' || !VONAGE_CALL_ID.test(data.uuid))
    throw new ProviderResponseError(P, operation, 'answer has no valid call uuid');
  return { legId: data.uuid };
}
