import {
  callsCapacityPgliteSuite,
  callsCapacityPostgresSuite,
  callsFaultsPgliteSuite,
  callsFaultsPostgresSuite,
  callsPeakPgliteSuite,
  callsPeakPostgresSuite,
  callsPgliteSuite,
  callsPostgres2Suite,
  callsPostgresSuite,
} from './calls.js';
import { cryptoSuite } from './crypto.js';
import { messagingPgliteSuite, messagingPostgresSuite } from './messaging.js';
import { messagingWebSuite } from './messaging-web.js';
import { notesSuite } from './notes.js';
import { relaySuite } from './relay.js';
import { reportsSuite } from './reports.js';
import { serverPgliteSuite, serverPostgresSuite } from './server.js';
import { transcriptionSuite } from './transcription.js';
import type { Suite } from './types.js';
import { webSuite } from './web.js';
import { webrtcSuite } from './webrtc.js';

/** Every benchmark suite `npm run bench` knows. Add new suites here. */
export const suites: Suite[] = [
  cryptoSuite,
  relaySuite,
  serverPgliteSuite,
  serverPostgresSuite,
  notesSuite,
  webSuite,
  messagingPgliteSuite,
  messagingPostgresSuite,
  messagingWebSuite,
  callsPgliteSuite,
  callsPostgresSuite,
  callsPostgres2Suite,
  callsPeakPgliteSuite,
  callsPeakPostgresSuite,
  callsCapacityPgliteSuite,
  callsCapacityPostgresSuite,
  callsFaultsPgliteSuite,
  callsFaultsPostgresSuite,
  transcriptionSuite,
  reportsSuite,
  webrtcSuite,
];
