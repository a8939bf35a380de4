import {
  SimulatorCallBody,
  SimulatorDigitsBody,
  type WebrtcCallerWait,
  WebrtcOfferBody,
} from '@llamenos/protocol';
import { type Context, Hono, type Next } from 'hono';
import { z } from 'zod';
import { clientIp } from '../auth/client-ip.js';
import { iceServers } from '../calls/webrtc-signalling.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { isPublic } from '../http/guard.js';
import { readJson, readParams } from '../http/validate.js';
import { type SimulatedCarrier, SimulatorError } from './carrier.js';
import { simulatedCarrier, simulatorNumbers } from './instance.js';
import { PAGE_CSS, PAGE_HTML, PAGE_SCRIPT, pageFile } from './page.js';
import { snapshot } from './snapshot.js';
import { MAX_SIGNAL_WAIT_MS } from './webrtc.js';

/**
 * /api/simulator/*: the simulated phone network's controls and its page. These routes ARE the
 * phone network, so they carry no user authentication (isPublic); instead they exist only
 * outside production (404 there) and only for clients on this machine: a request whose client
 * address is not loopback gets 404 too, as if the routes did not exist. With TRUST_PROXY the
 * client address is the one the trusted proxy saw (auth/client-ip.ts), so a proxied remote browser
 * is refused as well, whatever it puts in X-Forwarded-For itself.
 * The page is GET /api/simulator (its script and styles are separate files: CSP script-src 'self').
 */
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LIVE = new Set(['queued', 'ringing', 'in-progress']);
const SidParam = z.object({ sid: z.string().regex(/^CA[0-9a-f]{32}$/) }).strict();

type Local = (c: Context<AppEnv>, next: Next) => Promise<void>;

/** A carrier refusal (an unknown phone, a call in the wrong state) is the tester's mistake: 400. */
async function act(work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SimulatorError) throw badRequest(error.message);
    throw error;
  }
}

export function simulatorRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const local: Local = async (c, next) => {
    if (ctx.config.isProduction || !LOOPBACK.has(clientIp(c, ctx.config.TRUST_PROXY))) throw notFound();
    await next();
  };

  app.get('/simulator', isPublic(), local, (c) => c.html(PAGE_HTML));
  app.get('/simulator/app.js', isPublic(), local, pageFile(PAGE_SCRIPT, 'text/javascript'));
  app.get('/simulator/app.css', isPublic(), local, pageFile(PAGE_CSS, 'text/css'));

  app.get('/simulator/state', isPublic(), local, async (c) =>
    c.json(await snapshot(ctx, await simulatedCarrier(ctx))),
  );
  phoneRoutes(app, ctx, local);
  callerAudioRoutes(app, ctx, local);
  return app;
}

/** Placing a call, and what a phone does: press digits, answer, hang up. */
function phoneRoutes(app: Hono<AppEnv>, ctx: ServerContext, local: Local): void {
  app.post('/simulator/calls', isPublic(), local, async (c) => {
    const body = await readJson(c, SimulatorCallBody);
    const numbers = await simulatorNumbers(ctx);
    const to = body.to ?? numbers[0]!;
    const carrier = await simulatedCarrier(ctx);
    const phone = await act(() => carrier.placeCall({ from: body.from, to }));
    return c.json({ sid: (phone as { sid: string }).sid }, 201);
  });

  app.post('/simulator/phones/:sid/digits', isPublic(), local, async (c) => {
    const { sid } = readParams(c, SidParam);
    const { digits } = await readJson(c, SimulatorDigitsBody);
    const carrier = await simulatedCarrier(ctx);
    await act(() => carrier.pressDigits(sid, digits));
    return c.json({ ok: true });
  });

  const step = (path: string, run: (carrier: SimulatedCarrier, sid: string) => Promise<unknown>) =>
    app.post(`/simulator/phones/:sid/${path}`, isPublic(), local, async (c) => {
      const { sid } = readParams(c, SidParam);
      const carrier = await simulatedCarrier(ctx);
      await act(() => run(carrier, sid));
      return c.json({ ok: true });
    });
  step('answer', (carrier, sid) => carrier.answer(sid));
  step('hangup', (carrier, sid) => carrier.hangUp(sid));
}

/**
 * The caller's side of browser audio (docs/CALLS.md, "Browser calling"): the page posts its
 * offer when it places the call and waits for the answer of the volunteer who wins it.
 */
function callerAudioRoutes(app: Hono<AppEnv>, ctx: ServerContext, local: Local): void {
  app.get('/simulator/webrtc/config', isPublic(), local, (c) => c.json({ iceServers: iceServers(ctx) }));

  app.post('/simulator/phones/:sid/webrtc/offer', isPublic(), local, async (c) => {
    const { sid } = readParams(c, SidParam);
    const { sdp } = await readJson(c, WebrtcOfferBody);
    const carrier = await simulatedCarrier(ctx);
    const phone = carrier.phones.get(sid);
    if (phone?.role !== 'caller' || !LIVE.has(phone.status))
      throw badRequest(`phone ${sid} is not a caller on a live call`);
    if (!carrier.audio.setOffer(sid, sdp)) throw conflict('this call already has an offer');
    return c.body(null, 204);
  });

  app.get('/simulator/phones/:sid/webrtc/answer', isPublic(), local, async (c) => {
    const { sid } = readParams(c, SidParam);
    const carrier = await simulatedCarrier(ctx);
    const ended = () => {
      const phone = carrier.phones.get(sid);
      return !phone || !LIVE.has(phone.status);
    };
    const found = await carrier.audio.waitFor(() => {
      if (ended()) return { answer: null, ended: true };
      const answer = carrier.audio.answerOf(sid);
      return answer ? { answer, ended: false } : null;
    }, MAX_SIGNAL_WAIT_MS);
    // A long request's connection is not kept: one held open would outlive a server that is closing.
    c.header('connection', 'close');
    return c.json((found ?? { answer: null, ended: false }) satisfies WebrtcCallerWait);
  });
}
