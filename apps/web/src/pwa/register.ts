import { useSyncExternalStore } from 'react';

/**
 * Registers the service worker (built with the app: ./service-worker-build.ts) and follows its
 * updates. A new version installs in the background and waits; the page offers to reload, and
 * only then does the new worker take over (activateUpdate), so a page never runs half of one
 * version and half of the next. Nothing is registered in development (`vite` serves no sw.js).
 */

let waiting: ServiceWorker | null = null;
const listeners = new Set<() => void>();

function setWaiting(worker: ServiceWorker | null): void {
  waiting = worker;
  for (const listener of listeners) listener();
}

function watch(registration: ServiceWorkerRegistration): void {
  // A worker already waiting (installed while another tab held the old one).
  if (registration.waiting && navigator.serviceWorker.controller) setWaiting(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing?.addEventListener('statechange', () => {
      // The first install has no controller to replace: nothing to announce.
      if (installing.state === 'installed' && navigator.serviceWorker.controller) setWaiting(installing);
    });
  });
}

/** How often an open tab asks the server whether sw.js changed (browsers also check on each load). */
const UPDATE_CHECK_MS = 30 * 60 * 1000;

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('/sw.js', { scope: '/', updateViaCache: 'none' })
    .then((registration) => {
      watch(registration);
      setInterval(() => void registration.update().catch(() => undefined), UPDATE_CHECK_MS);
    })
    .catch(() => undefined); // no worker: the app still works online
}

let reloading = false;

/** Lets the waiting version take over, then reloads once it controls the page. */
export function activateUpdate(): void {
  if (!waiting) return;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  waiting.postMessage({ type: 'activate-update' });
}

/** Whether a new version waits for a reload. */
export function useUpdateReady(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => waiting !== null,
  );
}
