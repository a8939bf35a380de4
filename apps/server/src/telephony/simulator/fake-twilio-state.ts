import { randomBytes, randomUUID } from 'node:crypto';
import type { LegStatus } from '../provider.js';

/**
 * What the fake Twilio API knows: the calls it was asked to place and the recordings it holds,
 * with Twilio's rules for which status changes a call accepts. Kept apart from the HTTP layer
 * so the simulated carrier can drive calls (ring, answer, hang up) directly.
 */
export type IdStyle = 'twilio' | 'uuid';

export interface FakeCall {
  sid: string;
  to: string;
  from: string;
  /** Where the call fetches its document when answered (the latest redirect wins). */
  url: string;
  statusCallback: string | null;
  statusCallbackEvents: string[];
  timeoutSeconds: number;
  status: LegStatus;
  createdAt: Date;
  /** Every URL the call was redirected to, in order. */
  redirects: string[];
}

export interface FakeRecording {
  sid: string;
  callSid: string;
  bytes: Uint8Array;
  contentType: string;
  durationSeconds: number;
  deleted: boolean;
}

export type CallChange = { type: 'created' | 'updated'; call: FakeCall };

const ENDED: ReadonlySet<LegStatus> = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/** A Twilio-style error: HTTP status, Twilio's numeric code, message. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const newSid = (style: IdStyle, prefix: 'CA' | 'RE') =>
  style === 'uuid' ? randomUUID() : `${prefix}${randomBytes(16).toString('hex')}`;

export class FakeTwilioState {
  readonly calls = new Map<string, FakeCall>();
  readonly recordings = new Map<string, FakeRecording>();
  private readonly listeners = new Set<(change: CallChange) => void>();

  constructor(private readonly idStyle: IdStyle) {}

  /** Hears of every call created or changed (the simulated carrier rings phones from this). */
  onCallChange(listener: (change: CallChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: CallChange['type'], call: FakeCall): void {
    for (const listener of this.listeners) listener({ type, call });
  }

  createCall(input: Omit<FakeCall, 'sid' | 'status' | 'createdAt' | 'redirects'>): FakeCall {
    const call: FakeCall = {
      ...input,
      sid: newSid(this.idStyle, 'CA'),
      status: 'queued',
      createdAt: new Date(),
      redirects: [],
    };
    this.calls.set(call.sid, call);
    this.emit('created', call);
    return call;
  }

  private live(sid: string): FakeCall {
    const call = this.calls.get(sid);
    if (!call) throw new FakeApiError(404, 20404, `The requested resource was not found`);
    if (ENDED.has(call.status))
      throw new FakeApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    return call;
  }

  /**
   * Twilio's update rules: Status=canceled ends a queued or ringing call and leaves an answered
   * one as it is; Status=completed ends any live call; Url moves a live call to a new document.
   * Changing an ended call is error 21220.
   */
  updateCall(sid: string, update: { status?: string; url?: string }): FakeCall {
    const call = this.live(sid);
    if (update.status === 'canceled') {
      if (call.status === 'queued' || call.status === 'ringing') call.status = 'canceled';
    } else if (update.status === 'completed') {
      call.status = 'completed';
    } else if (update.status !== undefined) {
      throw new FakeApiError(400, 21218, 'Invalid Status');
    }
    if (update.url !== undefined) {
      call.url = update.url;
      call.redirects.push(update.url);
    }
    this.emit('updated', call);
    return call;
  }

  /** Moves a call along as the network would (ringing, answered, busy, hung up). */
  setCallStatus(sid: string, status: LegStatus): FakeCall {
    const call = this.calls.get(sid);
    if (!call) throw new Error(`no fake call ${sid}`);
    call.status = status;
    this.emit('updated', call);
    return call;
  }

  addRecording(
    callSid: string,
    bytes: Uint8Array,
    contentType = 'audio/mpeg',
    durationSeconds = 1,
  ): FakeRecording {
    const recording: FakeRecording = {
      sid: newSid(this.idStyle, 'RE'),
      callSid,
      bytes,
      contentType,
      durationSeconds,
      deleted: false,
    };
    this.recordings.set(recording.sid, recording);
    return recording;
  }

  recording(sid: string): FakeRecording {
    const recording = this.recordings.get(sid);
    if (!recording || recording.deleted)
      throw new FakeApiError(404, 20404, 'The requested resource was not found');
    return recording;
  }
}

/** A call as the Calls resource shows it (the fields our client and Twilio's SDK read). */
export function callResource(call: FakeCall, accountSid: string): Record<string, unknown> {
  return {
    sid: call.sid,
    account_sid: accountSid,
    to: call.to,
    from: call.from,
    status: call.status,
    direction: 'outbound-api',
    date_created: call.createdAt.toUTCString(),
  };
}
