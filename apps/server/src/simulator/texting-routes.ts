import { E164 } from '@llamenos/protocol';
import { type Context, Hono, type Next } from 'hono';
import { z } from 'zod';
import { clientIp } from '../auth/client-ip.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { badRequest, notFound } from '../http/errors.js';
import { isPublic } from '../http/guard.js';
import { readJson } from '../http/validate.js';
import { SimulatorError } from './carrier.js';
import { simulatedCarrier } from './instance.js';
import { pageFile } from './page.js';
import { simulatedTexting, simulatedTextNumbers, type TextChannel } from './texting.js';
import { TEXTING_CSS, TEXTING_SCRIPT } from './texting-page.js';

/**
 * /api/simulator/texts: the simulated carrier's texting controls (the page's "Texting" panel).
 * Like every simulator route they are the phone network itself, so they carry no user
 * authentication: they answer only clients on this machine, and never in production (the
 * carrier's gate refuses there), with 404 as if they did not exist.
 */
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const TextBody = z
  .object({
    channel: z.enum(['sms', 'whatsapp', 'signal']),
    from: E164,
    to: E164.optional(),
    body: z.string().min(1).max(1600),
  })
  .strict();

export function simulatorTextingRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const local = async (c: Context<AppEnv>, next: Next) => {
    if (!LOOPBACK.has(clientIp(c, ctx.config.TRUST_PROXY))) throw notFound();
    // The simulated carrier refuses to start in production; nothing here exists there.
    await simulatedCarrier(ctx).catch(() => {
      throw notFound();
    });
    await next();
  };
  const numbers = async (channel: TextChannel) => {
    try {
      return await simulatedTextNumbers(ctx, channel);
    } catch (error) {
      if (error instanceof SimulatorError) throw badRequest(error.message);
      throw error;
    }
  };

  app.get('/simulator/texting.js', isPublic(), local, pageFile(TEXTING_SCRIPT, 'text/javascript'));
  app.get('/simulator/texting.css', isPublic(), local, pageFile(TEXTING_CSS, 'text/css'));

  app.get('/simulator/texts', isPublic(), local, async (c) => {
    const texting = await simulatedTexting(ctx);
    return c.json({
      numbers: {
        sms: await numbers('sms'),
        whatsapp: await numbers('whatsapp'),
        signal: await numbers('signal'),
      },
      threads: texting.list(),
    });
  });

  app.post('/simulator/texts', isPublic(), local, async (c) => {
    const body = await readJson(c, TextBody);
    const hotlineNumbers = await numbers(body.channel);
    const to = body.to ?? hotlineNumbers[0]!;
    const texting = await simulatedTexting(ctx);
    const text = await texting.text(body.channel, body.from, to, body.body);
    return c.json({ delivery: text.delivery }, 201);
  });

  return app;
}
