import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, simulatorRequest, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { parseTwiml } from './twiml.js';

/** The simulator's page and controls: development and loopback only, driving a real call. */

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

const api = (method: string, path: string, body?: unknown) => simulatorRequest(s, method, path, body);

describe('simulator page', () => {
  it('serves a page whose script and styles are separate files allowed by the CSP', async () => {
    const page = await api('GET', '');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/api/simulator/app.js"></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)|\son[a-z]+="/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await api('GET', '/app.js');
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await api('GET', '/app.css')).status).toBe(200);
  });

  it('places a call, rings the volunteer phone, answers it and hangs up, through its routes', async () => {
    const volunteer = await s.addUser(['volunteer'], { phone: '+15550112233', name: 'Dana' });
    await s.putOnShift([volunteer.id]);
    const placed = await api('POST', '/calls', { from: '+15550144556' });
    expect(placed.status).toBe(201);
    const { sid } = await placed.json();
    const state = await waitFor(async () => {
      const body = await (await api('GET', '/state')).json();
      // Named once the hotline has recorded the leg (a moment after the phone starts ringing).
      return body.phones.some(
        (p: { status: string; volunteer: string }) => p.status === 'ringing' && p.volunteer === 'Dana',
      )
        ? body
        : null;
    }, 'the phone ringing on the page');
    expect(state.hotlineNumbers).toEqual([s.hotline]);
    expect(state.callers[0]).toMatchObject({ sid, fromLast4: '4556' });
    expect(JSON.stringify(state)).not.toContain('15550144556');
    const phone = state.phones[0];
    expect(phone.volunteer).toBe('Dana');
    expect((await api('POST', `/phones/${phone.sid}/answer`)).status).toBe(200);
    await s.settle();
    const after = await (await api('GET', '/state')).json();
    expect(after.callers[0].connected).toBe(true);
    expect((await api('POST', `/phones/${sid}/hangup`)).status).toBe(200);
    await s.settle();
    expect((await s.db.query('select status from calls where provider_call_id = $1', [sid]))[0]!.status).toBe(
      'completed',
    );
    // Bad input is a 400, not a crash.
    expect((await api('POST', `/phones/${sid}/digits`, { digits: '1' })).status).toBe(400);
    expect((await api('POST', '/calls', { from: 'nope' })).status).toBe(400);
  });
});

describe('simulator access', () => {
  let h: TestHotline;
  let prod: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
    prod = await createTestHotline({ LLAMENOS_ENV: 'production', PUBLIC_URL: 'https://hotline.example' });
  });
  afterAll(async () => {
    await h?.close();
    await prod?.close();
  });

  it('answers 404 to a client that is not on this machine', async () => {
    // In-process requests have no socket address: treated as not loopback.
    for (const path of ['/api/simulator', '/api/simulator/state'])
      expect((await h.request('GET', path)).status).toBe(404);
    expect((await h.request('POST', '/api/simulator/calls', { body: { from: '+15550100200' } })).status).toBe(
      404,
    );
  });

  it('does not exist in production, and the simulator provider has no webhooks there', async () => {
    expect((await prod.request('GET', '/api/simulator')).status).toBe(404);
    expect((await prod.request('POST', '/api/telephony/simulator/inbound', { body: {} })).status).toBe(404);
  });
});

describe('TwiML reader', () => {
  it('reads what our renderer writes, entities included', () => {
    const verbs = parseTwiml(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://x/a?b=1&amp;c=2"><Say language="en-US">Press &lt;1&gt;</Say></Gather><Hangup/></Response>',
    );
    expect(verbs.map((v) => v.name)).toEqual(['Gather', 'Hangup']);
    expect(verbs[0]!.attributes.action).toBe('https://x/a?b=1&c=2');
    expect(verbs[0]!.children[0]!.text).toBe('Press <1>');
    expect(() => parseTwiml('<Other/>')).toThrow();
  });
});
