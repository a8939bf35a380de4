import { SIGNALWIRE_API_PATH } from '../signalwire/adapter.js';
import { type FakeApiRules, FakeTwilioApi, type RecordedRequest } from './fake-twilio-api.js';
import { FakeApiError } from './fake-twilio-state.js';

/**
 * The fake Twilio API playing SignalWire's compatibility API (docs: "Conference Participants":
 * list, retrieve, update, delete), where it differs from Twilio's as far as the hotline uses it:
 * - ids are UUIDs, under /api/laml/2010-04-01, basic auth project id : API token;
 * - the Participants resource has no create (a browser is dialled in as a call with an inline
 *   document instead);
 * - a participant update takes Hold, HoldUrl, HoldMethod, Muted, announcements, wait music and
 *   coaching, not EndConferenceOnExit;
 * - a participant in a conference is "in-progress" (Twilio: "connected").
 */
const PARTICIPANT_UPDATE = new Set([
  'Hold',
  'HoldUrl',
  'HoldMethod',
  'Muted',
  'AnnounceUrl',
  'AnnounceMethod',
  'WaitUrl',
  'WaitMethod',
  'Coaching',
  'CallSidToCoach',
]);
const PARTICIPANTS = /\/Conferences\/[^/]+\/Participants(\.json)?$/;
const PARTICIPANT = /\/Conferences\/[^/]+\/Participants\/[^/]+$/;

function refuse(request: RecordedRequest): FakeApiError | undefined {
  const path = request.path.split('?')[0]!;
  if (request.method === 'POST' && PARTICIPANTS.test(path))
    return new FakeApiError(404, 20404, 'The requested resource was not found');
  const unknown = request.form.find(([name]) => !PARTICIPANT_UPDATE.has(name));
  if (request.method === 'POST' && PARTICIPANT.test(path) && unknown)
    return new FakeApiError(422, 21200, `Unknown parameter ${unknown[0]}`);
  return undefined;
}

export const SIGNALWIRE_RULES: FakeApiRules = { refuse, participantJoined: 'in-progress' };

export function startFakeSignalWireApi(account: {
  projectId: string;
  apiToken: string;
}): Promise<FakeTwilioApi> {
  return FakeTwilioApi.start({
    accountSid: account.projectId,
    authToken: account.apiToken,
    apiPath: SIGNALWIRE_API_PATH,
    idStyle: 'uuid',
    rules: SIGNALWIRE_RULES,
  });
}
