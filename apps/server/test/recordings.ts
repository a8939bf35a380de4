import type { Recording } from '../src/telephony/provider.js';

/** Reads a fetched recording whole (tests only: the server itself streams it to disk). */
export async function recordingBytes(
  recording: Recording | Promise<Recording>,
): Promise<{ bytes: Uint8Array; contentType: string }> {
  const { body, contentType } = await recording;
  return { bytes: new Uint8Array(await new Response(body).arrayBuffer()), contentType };
}
