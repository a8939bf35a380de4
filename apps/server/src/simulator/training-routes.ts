import { Hono } from 'hono';
import { z } from 'zod';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { readJson } from '../http/validate.js';
import { startTrainingCall } from './training.js';

/**
 * `POST /api/training-calls` {traineeId}: starts a role-play call to one trainee (training.ts).
 * An authenticated route guarded by calls:train, unlike the simulator's own network routes
 * (routes.ts), which are public, loopback-only and absent in production.
 */
const TrainingCallBody = z.object({ traineeId: z.uuid('traineeId: a member id') }).strict();

export function trainingRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/training-calls', requires('calls:train'), async (c) => {
    const { traineeId } = await readJson(c, TrainingCallBody);
    return c.json(await startTrainingCall(ctx, memberOf(c), traineeId), 201);
  });
  return app;
}
