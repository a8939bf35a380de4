/// <reference lib="webworker" />
/**
 * The Llamenos service worker: an offline app shell and Web Push notices, nothing else.
 *
 * The build (service-worker-build.ts) prepends `const PRECACHE = { version, files }`: every
 * file of this build, keyed by a hash of their contents. So:
 * - a new build is a new sw.js (its bytes differ), which the browser installs beside the old
 *   one; it waits until the member reloads through the update banner (or closes every tab);
 * - each version's files live in their own cache, filled completely at install or not at
 *   all: a page is served by one version's shell and assets, never half of each.
 *
 * What it never touches: /api/* (members' data, always from the network, never cached), the
 * relay's WebSocket (not a fetch), requests other than GET, other origins, and anything not in
 * the build (blob: downloads, passkey ceremonies and workers' own requests pass straight by).
 *
 * One more thing it does: a decrypted attachment is saved as a file through it without the page
 * holding the whole file (lib/attachments/save.ts): the page registers a download and a
 * MessagePort, a hidden frame opens /pwa/download/<id>, and the answer is a stream pulled from
 * the page piece by piece. Nothing of it is cached or kept after the download.
 */

/* global PRECACHE */
const SHELL_CACHE = `llamenos-shell-${PRECACHE.version}`;
const TEXT_CACHE = 'llamenos-notification-text';
const TEXT_URL = '/pwa/notification-text';
const SHELL_FILES = new Set(PRECACHE.files);
/** Paths the server answers itself even for a page load: the API and the simulator's page. */
const SERVER_PATHS = /^\/(api(\/|$)|simulator(\/|$))/;

self.addEventListener('install', (event) => {
  // The API and the simulator go straight to the network, never through this worker (the
  // Static Routing API, where the browser has it): otherwise the browser hands every request's
  // body to the worker first, a copy of each 4 MiB upload chunk that slows uploads several
  // times over and piles up in memory.
  if (typeof event.addRoutes === 'function')
    event.waitUntil(
      event
        .addRoutes([
          { condition: { urlPattern: new URLPattern({ pathname: '/api/*' }) }, source: 'network' },
          { condition: { urlPattern: new URLPattern({ pathname: '/simulator*' }) }, source: 'network' },
        ])
        .catch(() => undefined),
    );
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // cache: 'reload' skips the HTTP cache, so the set is this build's files exactly.
      await cache.addAll(PRECACHE.files.map((file) => new Request(file, { cache: 'reload' })));
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith('llamenos-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.origin && event.origin !== self.location.origin) return;
  const data = event.data;
  if (data?.type === 'activate-update') self.skipWaiting();
  else if (data?.type === 'notification-text') event.waitUntil(saveNotificationText(data.text));
  else if (data?.type === 'download') event.waitUntil(registerDownload(data, event.ports[0]));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.startsWith(DOWNLOAD_PATH)) {
    event.respondWith(downloadResponse(url.pathname.slice(DOWNLOAD_PATH.length)));
    return;
  }
  if (url.origin !== self.location.origin || SERVER_PATHS.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    // Every client route is the app: this version's index.html, from the network if it is
    // not cached (an install cut short).
    event.respondWith(fromShell('/index.html', request));
    return;
  }
  if (SHELL_FILES.has(url.pathname) && !url.search) event.respondWith(fromShell(url.pathname, request));
});

async function fromShell(path, request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(path);
  return cached ?? fetch(request);
}

// ---------------------------------------------------------------------------------------------
// Attachment downloads streamed from the page (lib/attachments/save.ts has the page's side).

const DOWNLOAD_PATH = '/pwa/download/';
const DOWNLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A registered download not fetched within this time is forgotten. */
const DOWNLOAD_CLAIM_MS = 60_000;
/** Pieces' buffers kept after the browser took them (the newest may still be being written out; one more for margin). */
const HANDED_KEPT = 2;
/** Downloads registered by a page and not yet fetched: id → {port, name, size, claimed}. */
const downloads = new Map();

function registerDownload(data, port) {
  if (!port || typeof data.id !== 'string' || !DOWNLOAD_ID.test(data.id)) return Promise.resolve();
  if (typeof data.name !== 'string' || !Number.isSafeInteger(data.size) || data.size < 0)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      downloads.delete(data.id);
      port.close();
      resolve();
    }, DOWNLOAD_CLAIM_MS);
    // The worker stays alive until the frame has fetched the download (or the time is up).
    downloads.set(data.id, {
      port,
      name: data.name,
      size: data.size,
      claimed: () => {
        clearTimeout(timer);
        resolve();
      },
    });
    port.postMessage({ type: 'ready' });
  });
}

/** A file name safe in a header: no control characters, quotes or path separators (RFC 6266, 5987). */
function headerFileName(name) {
  const safe = (c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f' && !'"\\/'.includes(c);
  // By code point, so a cut never splits a surrogate pair; a lone surrogate becomes "_".
  const chars = Array.from(name, (c) => (safe(c) && c.isWellFormed() ? c : '_')).slice(0, 200);
  const clean = chars.join('') || 'download';
  const ascii = Array.from(clean, (c) => (c.charCodeAt(0) < 0x7f ? c : '_')).join('');
  const encoded = encodeURIComponent(clean).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function downloadResponse(id) {
  const download = downloads.get(id);
  // Each download is served once, to the frame the page opened for it.
  downloads.delete(id);
  if (!download) return new Response('This download has ended.', { status: 404 });
  download.claimed();
  const { port } = download;
  let waiting = null;
  // Buffers of the pieces enqueued, oldest first. When the stream pulls, the browser has taken
  // every piece enqueued: it is writing out the newest and is done with those before it. Those
  // go back to the page (transferred), which reads later pieces into them: a buffer per piece
  // received and dropped here would wait for this worker's collector, tens of MB of them.
  const handed = [];
  const handBack = () => {
    while (handed.length > HANDED_KEPT) {
      const buffer = handed.shift();
      if (buffer.byteLength > 0) port.postMessage({ type: 'spare', buffer }, [buffer]);
    }
  };
  port.onmessage = (event) => {
    const message = event.data;
    const next = waiting;
    waiting = null;
    next?.(message);
  };
  const body = new ReadableStream(
    {
      pull(controller) {
        handBack();
        return new Promise((resolve) => {
          waiting = (message) => {
            if (message?.type === 'chunk' && message.bytes instanceof Uint8Array) {
              controller.enqueue(message.bytes);
              handed.push(message.bytes.buffer);
            } else if (message?.type === 'end') {
              controller.close();
              port.close();
            } else {
              // Decryption failed (or the page went away): the browser fails the download,
              // never completing a file with part of the attachment.
              controller.error(new Error(message?.message || 'the download failed'));
              port.close();
            }
            resolve();
          };
          port.postMessage({ type: 'pull' });
        });
      },
      cancel() {
        port.postMessage({ type: 'cancel' });
        port.close();
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': headerFileName(download.name),
      'content-length': String(download.size),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      // The page is cross-origin isolated (COEP require-corp): its frame loads only documents that say so too.
      'cross-origin-embedder-policy': 'require-corp',
    },
  });
}

/** The notice's words in the member's language, left here by the page (no words come from the push). */
const DEFAULT_TEXT = {
  call: 'Incoming call',
  message: 'New message',
  body: 'Open Llamenos to see it.',
};

async function saveNotificationText(text) {
  if (!text || typeof text !== 'object') return;
  const clean = {};
  for (const key of Object.keys(DEFAULT_TEXT))
    if (typeof text[key] === 'string' && text[key].length <= 200) clean[key] = text[key];
  const cache = await caches.open(TEXT_CACHE);
  await cache.put(
    TEXT_URL,
    new Response(JSON.stringify(clean), { headers: { 'content-type': 'application/json' } }),
  );
}

async function notificationText() {
  try {
    const cache = await caches.open(TEXT_CACHE);
    const saved = await cache.match(TEXT_URL);
    return { ...DEFAULT_TEXT, ...(saved ? await saved.json() : {}) };
  } catch {
    return DEFAULT_TEXT;
  }
}

self.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      // The payload is {"type":"call"|"message","at":<ms>}; anything else is shown as a message.
      let notice = null;
      try {
        notice = event.data?.json() ?? null;
      } catch {
        notice = null;
      }
      const type = notice?.type === 'call' ? 'call' : 'message';
      const text = await notificationText();
      await self.registration.showNotification(text[type], {
        body: text.body,
        tag: `llamenos-${type}`,
        renotify: true,
        requireInteraction: type === 'call',
        icon: '/icon-192.png',
        badge: '/icon-192.png',
        timestamp: typeof notice?.at === 'number' ? notice.at : Date.now(),
        data: { url: '/' },
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) await open.focus();
      else await self.clients.openWindow('/');
    })(),
  );
});
