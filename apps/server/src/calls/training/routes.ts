import {
  CallIdParam,
  TrainingCallBody,
  type TrainingCallStarted,
  TrainingLineQuery,
  type TrainingLineState,
  TrainingOfferBody,
} from '@llamenos/protocol';
import { Hono } from 'hono';
import type { z } from 'zod';
import { memberOf } from '../../http/actor.js';
import type { AppEnv, ServerContext } from '../../http/context.js';
import { requires } from '../../http/guard.js';
import { readJson, readParams, readQuery } from '../../http/validate.js';
import { hangUpTrainingCall, offerTrainingCall, startTrainingCall, waitForTrainingLine } from './service.js';

/**
 * The trainer's side of the training line (service.ts), all guarded by calls:train and, past the
 * start, for the trainer who started the call only. The trainee uses the ordinary call routes
 * (answer, webrtc offer and answer, hold, hang up), which check that they won the call.
 */
export function trainingRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/training-calls', requires('calls:train'), async (c) => {
    const { traineeId } = await readJson(c, TrainingCallBody);
    const started = await startTrainingCall(ctx, memberOf(c), traineeId);
    return c.json(started satisfies z.input<typeof TrainingCallStarted>, 201);
  });

  app.post('/training-calls/:id/offer', requires('calls:train'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { sdp } = await readJson(c, TrainingOfferBody);
    await offerTrainingCall(ctx, memberOf(c), id, sdp);
    return c.body(null, 204);
  });

  app.get('/training-calls/:id/line', requires('calls:train'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const known = readQuery(c, TrainingLineQuery);
    const state = await waitForTrainingLine(ctx, memberOf(c), id, known);
    // A long request's connection is not kept: one held open would outlive a server that is closing.
    c.header('connection', 'close');
    return c.json(state satisfies z.input<typeof TrainingLineState>);
  });

  app.post('/training-calls/:id/hangup', requires('calls:train'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    await hangUpTrainingCall(ctx, memberOf(c), id);
    return c.body(null, 204);
  });

  return app;
}
