import { ProviderHttpError, ProviderResponseError } from '../errors.js';
import type { ProviderHttp } from '../http.js';
import { requireId } from '../validate.js';
import { ARI_CHANNEL_ID, ARI_RECORDING_NAME } from './events.js';

/**
 * The ARI REST resources the adapter uses (https://docs.asterisk.org/Latest_API/API_Documentation/Asterisk_REST_Interface/),
 * under <ARI URL>/ari with basic auth. Parameters go in the query string, as ARI documents them.
 * Ids are checked before they go into a path.
 */
const P = 'asterisk';
const BRIDGE_ID = /^[A-Za-z0-9._-]{1,128}$/;

const q = (params: Record<string, string | number | boolean | undefined>) => {
  const entries = Object.entries(params).filter(
    (entry): entry is [string, string | number | boolean] => entry[1] !== undefined,
  );
  return entries.length === 0
    ? ''
    : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
};

export class AriRest {
  constructor(private readonly http: ProviderHttp) {}

  private channel(operation: string, id: string): string {
    return `/channels/${requireId(P, operation, 'channel id', id, ARI_CHANNEL_ID)}`;
  }
  private bridge(operation: string, id: string): string {
    return `/bridges/${requireId(P, operation, 'bridge id', id, BRIDGE_ID)}`;
  }
  private recording(operation: string, name: string): string {
    return `/recordings/stored/${requireId(P, operation, 'recording name', name, ARI_RECORDING_NAME)}`;
  }

  async originate(params: {
    endpoint: string;
    app: string;
    appArgs: string;
    callerId: string;
    timeout: number;
    /** Channel variables, in the body as ARI takes them (e.g. a SIP header for the INVITE). */
    variables?: Record<string, string>;
  }): Promise<string> {
    const op = 'create leg';
    const { variables, ...query } = params;
    const { data } = await this.http.json({
      operation: op,
      method: 'POST',
      path: `/channels${q(query)}`,
      ...(variables ? { json: { variables } } : {}),
    });
    if (typeof data.id !== 'string' || !ARI_CHANNEL_ID.test(data.id))
      throw new ProviderResponseError(P, op, 'answer has no valid channel id');
    return data.id;
  }

  /** The channel's state ("Ring", "Ringing", "Up", …), or null when it no longer exists. */
  async channelState(operation: string, id: string): Promise<string | null> {
    try {
      const { data } = await this.http.json({ operation, method: 'GET', path: this.channel(operation, id) });
      return typeof data.state === 'string' ? data.state : '';
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status === 404) return null;
      throw error;
    }
  }

  /** Hangs up; false when the channel was already gone (404). */
  async hangup(operation: string, id: string): Promise<boolean> {
    const path = `${this.channel(operation, id)}${q({ reason: 'normal' })}`;
    return this.http.deleteIfPresent({ operation, path });
  }

  async answer(id: string): Promise<void> {
    // 409/412: not in our application or already answered — nothing to do either way.
    await this.http.send({
      operation: 'answer',
      method: 'POST',
      path: `${this.channel('answer', id)}/answer`,
      okStatuses: [409, 412],
    });
  }

  /** Plays the media in order (one playback); returns the playback id. */
  async play(id: string, media: string[]): Promise<string> {
    const op = 'play';
    const { data } = await this.http.json({
      operation: op,
      method: 'POST',
      path: `${this.channel(op, id)}/play${q({ media: media.join(',') })}`,
    });
    return typeof data.id === 'string' ? data.id : '';
  }

  async stopPlayback(playbackId: string): Promise<void> {
    if (!BRIDGE_ID.test(playbackId)) return;
    await this.http.deleteIfPresent({ operation: 'stop playback', path: `/playbacks/${playbackId}` });
  }

  async channelMoh(id: string, mohClass: string): Promise<void> {
    await this.http.send({
      operation: 'hold music',
      method: 'POST',
      path: `${this.channel('hold music', id)}/moh${q({ mohClass })}`,
    });
  }

  async createBridge(id: string, type: 'holding' | 'mixing'): Promise<void> {
    const op = 'create bridge';
    await this.http.send({
      operation: op,
      method: 'POST',
      path: `${this.bridge(op, id)}${q({ type, name: id })}`,
    });
  }

  /** The channel ids in the bridge, or null when it does not exist. */
  async bridgeChannels(id: string): Promise<string[] | null> {
    const op = 'read bridge';
    try {
      const { data } = await this.http.json({ operation: op, method: 'GET', path: this.bridge(op, id) });
      return Array.isArray(data.channels)
        ? data.channels.filter((c): c is string => typeof c === 'string')
        : [];
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status === 404) return null;
      throw error;
    }
  }

  /** Ids of the bridges `channel` is in (GET /bridges: ARI's channel model does not say). */
  async bridgesOf(channel: string): Promise<string[]> {
    const op = 'list bridges';
    requireId(P, op, 'channel id', channel, ARI_CHANNEL_ID);
    const reply = await this.http.send({ operation: op, method: 'GET', path: '/bridges' });
    let list: unknown;
    try {
      list = JSON.parse(new TextDecoder().decode(reply.body));
    } catch {
      throw new ProviderResponseError(P, op, 'answer is not JSON');
    }
    if (!Array.isArray(list)) throw new ProviderResponseError(P, op, 'answer is not a list');
    return list
      .filter((b) => Array.isArray(b?.channels) && b.channels.includes(channel) && typeof b.id === 'string')
      .map((b) => b.id as string);
  }

  async addChannels(bridgeId: string, channels: string[]): Promise<void> {
    const op = 'join bridge';
    for (const c of channels) requireId(P, op, 'channel id', c, ARI_CHANNEL_ID);
    await this.http.send({
      operation: op,
      method: 'POST',
      path: `${this.bridge(op, bridgeId)}/addChannel${q({ channel: channels.join(',') })}`,
    });
  }

  async removeChannel(bridgeId: string, channel: string): Promise<void> {
    const op = 'leave bridge';
    requireId(P, op, 'channel id', channel, ARI_CHANNEL_ID);
    await this.http.send({
      operation: op,
      method: 'POST',
      path: `${this.bridge(op, bridgeId)}/removeChannel${q({ channel })}`,
      okStatuses: [404, 422],
    });
  }

  async bridgeMoh(bridgeId: string, mohClass: string): Promise<void> {
    const op = 'hold music';
    await this.http.send({
      operation: op,
      method: 'POST',
      path: `${this.bridge(op, bridgeId)}/moh${q({ mohClass })}`,
    });
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    const op = 'destroy bridge';
    await this.http.deleteIfPresent({ operation: op, path: this.bridge(op, bridgeId) });
  }

  /**
   * A snoop channel on `id` into our application (POST /channels/{id}/snoop): `spy` is the audio
   * it hears of the channel (both: what the channel sends and what it receives), `whisper` what
   * it may speak into it (none). Returns the snoop channel's id.
   */
  async snoop(
    id: string,
    params: { spy: 'both'; whisper: 'none'; app: string; appArgs: string; snoopId: string },
  ): Promise<string> {
    const op = 'snoop';
    requireId(P, op, 'snoop id', params.snoopId, ARI_CHANNEL_ID);
    const { data } = await this.http.json({
      operation: op,
      method: 'POST',
      path: `${this.channel(op, id)}/snoop${q(params)}`,
    });
    if (typeof data.id !== 'string' || !ARI_CHANNEL_ID.test(data.id))
      throw new ProviderResponseError(P, op, 'answer has no valid channel id');
    return data.id;
  }

  async record(id: string, params: { name: string; maxDurationSeconds: number }): Promise<void> {
    const op = 'record';
    requireId(P, op, 'recording name', params.name, ARI_RECORDING_NAME);
    await this.http.send({
      operation: op,
      method: 'POST',
      path: `${this.channel(op, id)}/record${q({ ...params, format: 'wav', beep: true, terminateOn: '#', ifExists: 'fail' })}`,
    });
  }

  async recordingFile(name: string): Promise<{ body: ReadableStream<Uint8Array>; contentType: string }> {
    const op = 'fetch recording';
    const path = `${this.recording(op, name)}/file`;
    return this.http.recording({ operation: op, path }, 'audio/wav', 'audio/*');
  }

  async deleteRecording(name: string): Promise<void> {
    const op = 'delete recording';
    await this.http.deleteIfPresent({ operation: op, path: this.recording(op, name) });
  }
}
