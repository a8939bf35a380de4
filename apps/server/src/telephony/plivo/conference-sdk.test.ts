/**
 * The Plivo call controls' requests against an oracle: Plivo's own Node SDK (`plivo`), asked for
 * the same operations with its HTTP layer (axios) answering locally, sends the same method, path
 * and JSON body as PlivoConferences does to the fake (the Call Transfer, a conference's members,
 * the conference list, a member's hang-up, a live call).
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest } from '../../../test/adapter-rest.js';
import { FakePlivoApi } from '../../../test/fakes/plivo-api.js';
import type { ConnectedCall, ConnectedCallControl } from '../provider.js';
import { createPlivoAdapter } from './adapter.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'plivo-auth-token-0123456789';
const CALL_ID = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const QUEUE = `call-${CALL_ID}`;
const JOIN = `https://hotline.example/api/telephony/plivo/join?call=${CALL_ID}`;

interface SdkRequest {
  method: string;
  path: string;
  json: unknown;
}

interface PlivoSdk {
  Client: new (
    authId: string,
    authToken: string,
  ) => {
    calls: {
      transfer(uuid: string, params: Record<string, string>): Promise<unknown>;
      getLiveCall(uuid: string): Promise<unknown>;
    };
    conferences: {
      get(name: string): Promise<unknown>;
      list(): Promise<unknown>;
      hangupMember(name: string, memberId: string): Promise<unknown>;
    };
  };
}

const require = createRequire(import.meta.url);
const sdk = require('plivo') as PlivoSdk;
// The SDK's own copy of axios: its requests are answered here, never sent.
const axios = require(require.resolve('axios', { paths: [require.resolve('plivo')] })) as {
  defaults: { adapter: unknown };
};
const sdkRequests: SdkRequest[] = [];
axios.defaults.adapter = async (config: { method: string; url: string; data?: string }) => {
  const url = new URL(config.url);
  sdkRequests.push({
    method: config.method.toUpperCase(),
    path: `${url.pathname}${url.search === '?' ? '' : url.search}`,
    json: config.data && config.data !== '{}' ? JSON.parse(config.data) : undefined,
  });
  return {
    data: { api_id: 'x', conferences: [], members: [] },
    status: 200,
    statusText: 'OK',
    headers: {},
    config,
  };
};
const client = new sdk.Client(AUTH_ID, AUTH_TOKEN);
const sdkSent = async (work: () => Promise<unknown>): Promise<SdkRequest> => {
  sdkRequests.length = 0;
  await work();
  return sdkRequests[0]!;
};

let fake: FakePlivoApi;
let control: ConnectedCallControl;
beforeAll(async () => {
  fake = await FakePlivoApi.start({ authId: AUTH_ID, authToken: AUTH_TOKEN });
  control = createPlivoAdapter({ authId: AUTH_ID, authToken: AUTH_TOKEN, apiBaseUrl: fake.baseUrl })
    .connectedCalls!;
});
freshFakeForEachTest(() => fake);

async function member(room: string, flags: string): Promise<string> {
  const call = fake.addCall('in-progress');
  await fake.runDocument(call.uuid, `<Response><Conference ${flags}>${room}</Conference></Response>`);
  return call.uuid;
}

async function connected(): Promise<ConnectedCall> {
  fake.resetConferences();
  const callerLegId = await member(QUEUE, 'startConferenceOnEnter="false" endConferenceOnExit="false"');
  const volunteerLegId = await member(QUEUE, 'startConferenceOnEnter="true" endConferenceOnExit="true"');
  fake.requests.length = 0;
  return { callerLegId, volunteerLegId, queue: QUEUE, joinUrl: JOIN };
}

const ours = (method: string, pathIncludes: string): SdkRequest => {
  const r = fake.requests.find((q) => q.method === method && q.path.includes(pathIncludes))!;
  return { method: r.method, path: r.path, json: r.json ?? undefined };
};

describe('Plivo call controls against the plivo SDK', () => {
  it('the Call Transfer of the caller, the conference list and a conference read', async () => {
    const call = await connected();
    await control.holdCaller(call, true);
    expect(ours('POST', `/Call/${call.callerLegId}/`)).toEqual(
      await sdkSent(() =>
        client.calls.transfer(call.callerLegId, {
          legs: 'aleg',
          alegUrl: `${JOIN}&as=held`,
          alegMethod: 'POST',
        }),
      ),
    );
    expect(ours('GET', '/Conference/')).toEqual(await sdkSent(() => client.conferences.list()));
    expect(ours('GET', `/Conference/${QUEUE}/`)).toEqual(await sdkSent(() => client.conferences.get(QUEUE)));
  });

  it("the first volunteer's member hung up at the hand-over", async () => {
    const call = await connected();
    const colleague = await member(`${QUEUE}-0123456789ab`, 'startConferenceOnEnter="true"');
    const { memberId } = fake.memberOf(call.volunteerLegId)!.member;
    await control.handOver(call, colleague);
    expect(ours('DELETE', '/Member/')).toEqual(
      await sdkSent(() => client.conferences.hangupMember(QUEUE, memberId)),
    );
  });

  it('a live call: the same resource and query (Plivo’s reference puts a slash before the query, the SDK not)', async () => {
    const call = await connected();
    const leg = fake.addCall('ringing').uuid;
    await control.handOverAnswered(leg, 100, call);
    const theirs = await sdkSent(() => client.calls.getLiveCall(leg));
    // The fake records paths without their query; it answers a live call only to ?status=live.
    const asked = ours('GET', `/Call/${leg}/`);
    expect(theirs).toEqual({ ...asked, path: `${asked.path.replace(/\/$/, '')}?status=live` });
  });
});
