/**
 * The Asterisk browser credential in use: the adapter pushes a volunteer's PJSIP endpoint (here
 * to a fetch stand-in that hands the digest password to the SIP double), and JsSIP, the SIP
 * library the web app uses, registers with exactly what the server issued, answers an INVITE
 * from the hotline, and hangs up; the hotline's own BYE ends a second call. A wrong or replaced
 * password does not register.
 *
 * JsSIP runs here in Node for signalling only: the WebSocket is `ws`, and RTCPeerConnection is a
 * stand-in that answers with a fixed SDP (media is the browser's and Asterisk's, not tested here).
 * The double listens on ws:// on loopback; in production the same messages go over wss://
 * (Asterisk's http.conf TLS), which changes nothing in the signalling.
 */
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SipWebSocketDouble } from '../../../test/fakes/sip-websocket.js';
import { browserIdentityOf } from '../browser/identity.js';
import type { EventTelephony } from '../provider.js';
import { createAsteriskAdapter } from './adapter.js';

const ANSWER_SDP = [
  'v=0',
  'o=- 2 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:111 opus/48000/2',
  'a=setup:active',
  'a=recvonly',
  '',
].join('\r\n');

/** Just enough of RTCPeerConnection for JsSIP to answer an offer: no ICE, no media. */
class SignallingOnlyPeerConnection {
  iceGatheringState = 'complete';
  iceConnectionState = 'new';
  signalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  addEventListener() {}
  removeEventListener() {}
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
  }
  async createAnswer() {
    return { type: 'answer', sdp: ANSWER_SDP };
  }
  async createOffer() {
    return { type: 'offer', sdp: ANSWER_SDP };
  }
  async setLocalDescription(description: { type: string; sdp: string }) {
    this.localDescription = description;
  }
  getSenders() {
    return [];
  }
  getReceivers() {
    return [];
  }
  addTrack() {}
  close() {
    this.signalingState = 'closed';
  }
}

const globals = globalThis as Record<string, unknown>;
const saved = { window: globals.window, WebSocket: globals.WebSocket };

let sip: SipWebSocketDouble;
let adapter: EventTelephony;
const identity = browserIdentityOf(new Uint8Array(32).fill(3), 'volunteer-user-id');

beforeAll(async () => {
  globals.window = globalThis;
  globals.WebSocket = WebSocket;
  globals.RTCPeerConnection = SignallingOnlyPeerConnection;
  globals.RTCSessionDescription = class {
    constructor(init: object) {
      Object.assign(this, init);
    }
  };
  sip = await SipWebSocketDouble.start();
  // ARI's dynamic configuration, as far as the double needs it: the auth object's password.
  const fetch = (async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    const { fields } = JSON.parse(String(init.body)) as { fields: { attribute: string; value: string }[] };
    const auth = /\/res_pjsip\/auth\/([^/]+)$/.exec(path);
    if (auth) {
      const value = (name: string) => fields.find((f) => f.attribute === name)?.value ?? '';
      sip.credentials.set(value('username'), value('password'));
    }
    return Response.json(fields);
  }) as unknown as typeof globalThis.fetch;
  adapter = createAsteriskAdapter({
    ariUrl: 'http://127.0.0.1:8088',
    username: 'ari',
    password: 'ari-password',
    app: 'llamenos',
    phoneNumbers: ['+15550001111'],
    sipWebSocketUrl: 'wss://pbx.example.org:8089/ws',
    fetch,
  });
});
afterAll(async () => {
  await sip.close();
  globals.window = saved.window;
  globals.WebSocket = saved.WebSocket;
  delete globals.RTCPeerConnection;
  delete globals.RTCSessionDescription;
});

async function issued() {
  const credential = await adapter.browserCredential!({ identity }, new Date());
  if (credential.provider !== 'asterisk') throw new Error('not a SIP credential');
  return credential;
}

/** A JsSIP user agent as the web app builds one from the credential (socket: the double). */
function userAgent(credential: { sipUri: string; username: string; password: string }) {
  return new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(sip.url)],
    uri: credential.sipUri,
    authorization_user: credential.username,
    password: credential.password,
    register: true,
    session_timers: false,
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 2,
  });
}

function registration(ua: JsSIP.UA): Promise<'registered' | 'failed'> {
  return new Promise((resolve) => {
    ua.once('registered', () => resolve('registered'));
    ua.once('registrationFailed', () => resolve('failed'));
    ua.start();
  });
}

describe('Asterisk browser calling with JsSIP against a SIP-over-WebSocket double', () => {
  it('registers with the issued credential, answers the hotline’s INVITE, and hangs up (BYE)', async () => {
    const credential = await issued();
    const ua = userAgent(credential);
    const sessions: RTCSession[] = [];
    ua.on('newRTCSession', ({ session }: { session: RTCSession }) => {
      sessions.push(session);
      if (session.direction === 'incoming')
        session.answer({ mediaConstraints: { audio: false, video: false } });
    });
    try {
      expect(await registration(ua)).toBe('registered');
      expect(sip.log).toEqual(['REGISTER challenged', 'REGISTER accepted']);

      // Call 1: the volunteer hangs up in the browser.
      expect(await sip.invite(identity)).toBe(200);
      const session = sessions[0]!;
      await new Promise<void>((resolve) =>
        session.isEstablished() ? resolve() : session.once('confirmed', () => resolve()),
      );
      const bye = sip.nextByeFromBrowser();
      const ended = new Promise((resolve) =>
        session.once('ended', (e: { originator: string }) => resolve(e.originator)),
      );
      session.terminate();
      await bye;
      expect(await ended).toBe('local');

      // Call 2: the hotline hangs up (the caller left, or another leg won).
      expect(await sip.invite(identity)).toBe(200);
      const second = sessions[1]!;
      await new Promise<void>((resolve) =>
        second.isEstablished() ? resolve() : second.once('confirmed', () => resolve()),
      );
      const secondEnded = new Promise((resolve) =>
        second.once('ended', (e: { originator: string }) => resolve(e.originator)),
      );
      expect(await sip.bye()).toBe(200);
      expect(await secondEnded).toBe('remote');
      expect(sip.log.filter((line) => /^(INVITE 200|BYE)/.test(line))).toEqual([
        'INVITE 200',
        'BYE from browser',
        'INVITE 200',
        'BYE 200',
      ]);
    } finally {
      ua.stop();
    }
  });

  it('does not register with a wrong password, nor with the password a newer credential replaced', async () => {
    const old = await issued();
    const wrong = userAgent({ ...old, password: 'f'.repeat(32) });
    try {
      expect(await registration(wrong)).toBe('failed');
    } finally {
      wrong.stop();
    }
    await issued(); // the app's hourly refresh: a new password replaces the old one
    const stale = userAgent(old);
    try {
      expect(await registration(stale)).toBe('failed');
    } finally {
      stale.stop();
    }
    // Only the first test's user agent was ever accepted (stop() may try once more, refused too).
    expect(sip.log.filter((line) => line === 'REGISTER accepted')).toHaveLength(1);
    expect(sip.log.filter((line) => line === 'REGISTER refused').length).toBeGreaterThanOrEqual(2);
  });
});
