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
 */

/* global PRECACHE */
const SHELL_CACHE = `llamenos-shell-${PRECACHE.version}`;
const TEXT_CACHE = 'llamenos-notification-text';
const TEXT_URL = '/pwa/notification-text';
const SHELL_FILES = new Set(PRECACHE.files);
/** Paths the server answers itself even for a page load: the API and the simulator's page. */
const SERVER_PATHS = /^\/(api(\/|$)|simulator(\/|$))/;

self.addEventListener('install', (event) => {
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
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
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
