import { ProviderHttpError, ProviderResponseError } from '../errors.js';
import { type ProviderHttp, recordingFileUrl } from '../http.js';
import type { CallControl, CancelOutcome, Recording, VolunteerLegRequest } from '../provider.js';
import { checkLegRequest, requireCallbackUrl, requireId } from '../validate.js';
import { plivoBrowserUri } from './access-token.js';
import { PLIVO_ID } from './events.js';

/**
 * Call control over Plivo's REST API (https://www.plivo.com/docs/voice/api/), basic auth
 * auth id : auth token, under /v1/Account/{auth_id}:
 * - POST  /Call/                     ring a volunteer (answer and hangup URLs) → request_uuid
 * - DELETE /Request/{request_uuid}/  cancel a call that is still being placed or ringing
 * - DELETE /Call/{call_uuid}/        hang up a connected call
 * - POST  /Call/{call_uuid}/         transfer (aleg_url) a live call to another document
 * - GET / DELETE /Recording/{id}/    a recording's details (its file URL) / delete it
 */
interface PlivoRestConfig {
  http: ProviderHttp;
  authId: string;
  /** Tests only: where recording files are fetched instead of Plivo's media host. */
  recordingBaseUrl?: string;
}

const P = 'plivo';
/** Plivo serves recording files from its media host only; nothing else is fetched. */
const MEDIA_HOST = /^media(-[a-z0-9]{1,20})?\.plivo\.com$/;

/**
 * A browser leg's SIP header naming the hotline call: Plivo passes `sip_headers` to the browser
 * SDK's incoming call as `X-PH-<name>` headers, and allows only letters and digits in a value, so
 * the call's UUID goes without its hyphens (the web app's provider-phone/plivo.ts puts them back).
 */
export const PLIVO_CALL_HEADER = 'callId';
export const plivoCallHeaders = (callId: string | null) =>
  callId ? { sip_headers: `${PLIVO_CALL_HEADER}=${callId.replaceAll('-', '')}` } : {};

const isNotFound = (error: unknown) => error instanceof ProviderHttpError && error.status === 404;

export class PlivoRestClient implements CallControl {
  private readonly account: string;

  constructor(private readonly config: PlivoRestConfig) {
    this.account = `/v1/Account/${encodeURIComponent(config.authId)}`;
  }

  private path(operation: string, resource: 'Call' | 'Request' | 'Recording', uuid: string): string {
    return `${this.account}/${resource}/${requireId(P, operation, `${resource.toLowerCase()} id`, uuid, PLIVO_ID)}/`;
  }

  async createVolunteerLeg(request: VolunteerLegRequest): Promise<{ legId: string }> {
    const op = 'create leg';
    const leg = checkLegRequest(P, op, request, 120);
    const { data } = await this.config.http.json({
      operation: op,
      method: 'POST',
      path: `${this.account}/Call/`,
      json: {
        from: leg.from.slice(1),
        // A browser leg rings the browser SDK logged in with the identity's token.
        to: 'phone' in leg.target ? leg.target.phone.slice(1) : plivoBrowserUri(leg.target.browser),
        answer_url: leg.answerUrl,
        answer_method: 'POST',
        // No ring_url: a placed leg is live from the API's answer on (twilio/rest.ts LEG_EVENTS),
        // so its ringing would be a webhook per leg that nothing reads.
        hangup_url: leg.statusUrl,
        hangup_method: 'POST',
        ring_timeout: leg.timeoutSeconds,
        ...plivoCallHeaders('browser' in leg.target ? leg.target.hotlineCall : null),
      },
    });
    const uuid = data.request_uuid;
    if (typeof uuid !== 'string' || !PLIVO_ID.test(uuid))
      throw new ProviderResponseError(P, op, 'answer has no valid request_uuid');
    return { legId: uuid };
  }

  /**
   * First as a request still ringing (DELETE /Request/); Plivo answers 404 once it was
   * connected or ended, and then as a call (DELETE /Call/, under the same uuid); a second 404
   * means it is over.
   */
  async cancelLeg(legId: string): Promise<CancelOutcome> {
    const op = 'cancel leg';
    try {
      await this.config.http.send({ operation: op, method: 'DELETE', path: this.path(op, 'Request', legId) });
      return 'canceled';
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await this.config.http.send({
        operation: 'hang up leg',
        method: 'DELETE',
        path: this.path(op, 'Call', legId),
      });
      return 'completed';
    } catch (error) {
      if (isNotFound(error)) return 'already-ended';
      throw error;
    }
  }

  async hangUp(callId: string): Promise<void> {
    const op = 'hang up';
    await this.config.http.deleteIfPresent({ operation: op, path: this.path(op, 'Call', callId) });
  }

  async redirectCall(callId: string, url: string): Promise<void> {
    const op = 'redirect';
    await this.config.http.send({
      operation: op,
      method: 'POST',
      path: this.path(op, 'Call', callId),
      json: { legs: 'aleg', aleg_url: requireCallbackUrl(P, op, 'url', url), aleg_method: 'POST' },
    });
  }

  /** The file URL from the recording's details, accepted only on Plivo's media host over https. */
  private async mediaUrl(operation: string, recordingRef: string): Promise<string> {
    const { data } = await this.config.http.json({
      operation,
      method: 'GET',
      path: this.path(operation, 'Recording', recordingRef),
    });
    let url: URL;
    try {
      url = new URL(String(data.recording_url));
    } catch {
      throw new ProviderResponseError(P, operation, 'recording has no file URL');
    }
    if (
      url.protocol !== 'https:' ||
      url.port ||
      url.username ||
      url.password ||
      !MEDIA_HOST.test(url.hostname)
    )
      throw new ProviderResponseError(P, operation, 'recording file is not on Plivo’s media host');
    return recordingFileUrl(this.config.recordingBaseUrl, url.href);
  }

  async fetchRecording(recordingRef: string): Promise<Recording> {
    const op = 'fetch recording';
    const absoluteUrl = await this.mediaUrl(op, recordingRef);
    return this.config.http.recording({ operation: op, path: '', absoluteUrl }, 'audio/mpeg');
  }

  async deleteRecording(recordingRef: string): Promise<void> {
    const op = 'delete recording';
    await this.config.http.deleteIfPresent({ operation: op, path: this.path(op, 'Recording', recordingRef) });
  }
}
