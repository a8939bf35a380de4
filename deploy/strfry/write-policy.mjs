#!/usr/bin/env node
// strfry write-policy plugin for Llamenos (plain JavaScript, Node 18+, no dependencies).
//
// strfry writes one JSON line per incoming event on stdin
//   {"type":"new","event":{...},"receivedAt":...,"sourceType":"IP4","sourceInfo":"..."}
// and reads one JSON line per decision on stdout: {"id":"<event id>","action":"accept"|"reject","msg":"..."}.
//
// Only the hotline server's key and active members' keys may write; members only kind 20001
// with the single generic tag ["t","llamenos:event"] (hub events: encrypted, indistinguishable),
// no longer than a presence announcement.
// The writer list comes from the server: GET <LLAMENOS_URL>/api/realtime/writers with the shared
// token in the x-llamenos-writers-token header (NOSTR_WRITERS_TOKEN on the server side),
// refreshed every LLAMENOS_WRITERS_REFRESH_SECONDS (default 15). Until a list has been loaded
// every event is rejected: the plugin fails closed. If a later refresh fails, the last list is
// kept (a removed member is also locked out of reading by the hub-key rotation).
import { createInterface } from 'node:readline';

const HUB_EVENT_KIND = 20001;
const HUB_EVENT_TAG = ['t', 'llamenos:event'];
// Members sign only their presence, whose sealed content is never longer than this
// (MAX_MEMBER_EVENT_CONTENT in packages/protocol; a test keeps the two equal).
const MAX_MEMBER_EVENT_CONTENT = 402;

const baseUrl = (process.env.LLAMENOS_URL ?? '').replace(/\/+$/, '');
const token = process.env.LLAMENOS_WRITERS_TOKEN ?? '';
const refreshMs = Math.max(1, Number(process.env.LLAMENOS_WRITERS_REFRESH_SECONDS ?? 15)) * 1000;

/** @type {{ server: string, members: Set<string> } | null} */
let writers = null;

const log = (message) => process.stderr.write(`llamenos write-policy: ${message}\n`);

async function refresh() {
  try {
    const res = await fetch(`${baseUrl}/api/realtime/writers`, {
      headers: { 'x-llamenos-writers-token': token },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.json();
    if (typeof body.serverPubkey !== 'string' || !Array.isArray(body.writers))
      throw new Error('unexpected answer');
    writers = { server: body.serverPubkey, members: new Set(body.writers) };
  } catch (error) {
    log(`could not load the writer list from ${baseUrl || '(LLAMENOS_URL unset)'}: ${error.message}`);
  }
}

const isGenericTagOnly = (tags) =>
  Array.isArray(tags) &&
  tags.length === 1 &&
  Array.isArray(tags[0]) &&
  tags[0].length === 2 &&
  tags[0][0] === HUB_EVENT_TAG[0] &&
  tags[0][1] === HUB_EVENT_TAG[1];

/** The decision for one input line from strfry. */
function decide(request) {
  const event = request?.event;
  const id = typeof event?.id === 'string' ? event.id : '';
  const reject = (msg) => ({ id, action: 'reject', msg });
  if (request?.type !== 'new' || !event) return reject('error: unexpected plugin request');
  if (!writers) return reject('error: writer list not loaded yet; try again');
  if (event.pubkey === writers.server) return { id, action: 'accept' };
  if (!writers.members.has(event.pubkey)) return reject('restricted: not a member of this hotline');
  if (event.kind !== HUB_EVENT_KIND || !isGenericTagOnly(event.tags))
    return reject(`restricted: members may publish only kind ${HUB_EVENT_KIND} with the generic tag`);
  if (typeof event.content !== 'string' || event.content.length > MAX_MEMBER_EVENT_CONTENT)
    return reject('restricted: member events are presence announcements and cannot be this long');
  return { id, action: 'accept' };
}

const firstLoad = refresh();
setInterval(refresh, refreshMs).unref();

const lines = createInterface({ input: process.stdin, terminal: false });
// Decisions are written in input order; the first ones wait for the first load of the list.
let queue = firstLoad;
lines.on('line', (line) => {
  queue = queue.then(() => {
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      log('unparseable input line');
      return;
    }
    process.stdout.write(`${JSON.stringify(decide(request))}\n`);
  });
});
lines.on('close', () => {
  void queue.then(() => process.exit(0));
});
