import type { HotlineSettings } from '@llamenos/protocol';
import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../../http/context.js';
import { isPublic } from '../../http/guard.js';
import { holdMusicClip } from './clip.js';

/**
 * `GET /api/telephony/hold-music.wav` (and HEAD, which Hono answers from the GET route with the
 * same headers and no body): the hold music clip (clip.ts). Public and read-only, because the
 * providers fetch it with no signature and no credentials: it is the same generated audio for
 * everyone and says nothing about any call. Under /api/telephony/, where the app's request
 * authentication steps aside for provider traffic (auth/middleware.ts) as it does for webhooks.
 * No range requests: every provider fetches a clip this size whole.
 */
export const HOLD_MUSIC_PATH = '/api/telephony/hold-music.wav';

/** The clip's absolute URL, on PUBLIC_URL (the address the providers reach us at). */
export const holdMusicUrl = (ctx: ServerContext): string => `${ctx.config.PUBLIC_URL}${HOLD_MUSIC_PATH}`;

/**
 * What the providers play as hold music: the admin's own file (settings `calls.holdMusicUrl`,
 * https, checked when saved) when one is set, else the generated clip.
 */
export const holdMusicFor = (ctx: ServerContext, settings: HotlineSettings): string =>
  settings.calls.holdMusicUrl ?? holdMusicUrl(ctx);

/** A day: providers cache it (Twilio caches media it fetched), and the ETag revalidates after. */
const CACHE_CONTROL = 'public, max-age=86400';

export function holdMusicRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(HOLD_MUSIC_PATH.replace(/^\/api/, ''), isPublic(), async (c) => {
    const { wav, etag } = await holdMusicClip();
    const headers = { etag, 'cache-control': CACHE_CONTROL };
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
      return c.body(null, 304, headers);
    return c.body(new Uint8Array(wav), 200, {
      ...headers,
      'content-type': 'audio/wav',
      'content-length': String(wav.length),
    });
  });
  return app;
}
