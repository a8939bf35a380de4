import type { Server as HttpServer } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import { startStaleUploadTimer } from './attachments/index.js';
import { startBackupSchedule } from './backup/schedule.js';
import {
  restartAriBridgeOn,
  settleCallWork,
  startAriBridge,
  startCallRetentionTimer,
  startCallTimers,
} from './calls/index.js';
import type { Config } from './config.js';
import { type ContextOverrides, createContext } from './context.js';
import { rebalanceSoon, startConversationTimers } from './conversations/index.js';
import { createApp } from './http/app.js';
import type { ServerContext } from './http/context.js';
import { bootstrapBanner, ensureBootstrap } from './identity/bootstrap.js';
import type { Logger } from './logging.js';
import { startSweepTimer } from './maintenance/sweep.js';
import { restartSignalReceiverOn, startSignalReceiver, stopMessaging } from './messaging/index.js';
import { createMetrics, metricsApp } from './metrics/registry.js';
import { ALL_MIGRATIONS } from './modules.js';
import { ensureVapidKeys, pushForNewMessage, pushForRingingCall } from './push/index.js';
import { ensureHubKey } from './realtime/hub-keys.js';
import { publishSettingsChange, publishShiftsChange, startRealtime } from './realtime/index.js';
import { startRetentionTimer } from './records/index.js';
import { startReportRetentionTimer } from './reports/index.js';
import { endSimulatorWaits, setSimulatorOrigin, stopSimulatedCarrier } from './simulator/index.js';

export interface RunningServer {
  ctx: ServerContext;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** How long requests in flight at shutdown may take before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Stops accepting connections and waits for requests in flight. A keep-alive connection is closed
 * as soon as it is idle, checked again and again: one check is not enough while an open page
 * polls (the next request arrives on the same connection and keeps it busy for ever). Whatever
 * is still open after the grace period is cut.
 */
function closeHttp(http: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    const server = http as HttpServer;
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  hostname: string,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * Who hears what: every subscription between modules, made here when the server is assembled
 * rather than at import time. Returns the unsubscribe of them all.
 */
export function wireEvents(ctx: ServerContext): () => void {
  const subscriptions = [
    // Clients learn of a change by section name (or a bare shift:changed) and refetch.
    ctx.events.on('settings:changed', (change) => publishSettingsChange(ctx, change)),
    ctx.events.on('shifts:changed', () => publishShiftsChange(ctx)),
    // Asterisk credentials saved or deleted: the events bridge reconnects with them (or stops).
    ctx.events.on('settings:changed', (change) => restartAriBridgeOn(ctx, change)),
    // Signal's configuration saved or deleted: its receive socket reconnects with it (or stops).
    ctx.events.on('settings:changed', (change) => restartSignalReceiverOn(ctx, change)),
    // A ringing call or a new message wakes the members' closed browsers (Web Push, no content).
    ctx.events.on('call:rung', (rung) => pushForRingingCall(ctx, rung.callId, rung.subscriptions)),
    ctx.events.on('conversation:message-arrived', (arrived) => pushForNewMessage(ctx, arrived)),
    // Someone came on shift, or a holder can no longer hold: the conversation queue moves.
    ctx.events.on('shifts:changed', () => rebalanceSoon(ctx)),
    ctx.events.on('members:changed', () => rebalanceSoon(ctx)),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}

/**
 * Starts the hotline server: database, migrations, HTTP, the real-time relay, metrics, and the
 * first-admin bootstrap code if needed. `overrides` replace what the config would give (tests:
 * an open database, telephony pointed at a fake API, call timers driven by hand).
 */
export async function startServer(
  config: Config,
  log: Logger,
  overrides: ContextOverrides = {},
): Promise<RunningServer> {
  const ctx = await createContext(config, log, overrides);
  const unwireEvents = wireEvents(ctx);
  // Browsers subscribe against the VAPID public key: made once, on the hotline's first start.
  await ensureVapidKeys(ctx);
  const metrics = createMetrics();
  const app = createApp(ctx, metrics);
  // Attachment fetches and provider deletes that failed are retried; old closed conversations go.
  // Its warm-up (the sealing tables of every reader, an arriving text's path) runs before the
  // process listens: run while the first webhooks came in, it held each of their steps behind a
  // table in turn (a second process started into the call storm answered its first 0.5 s of
  // webhooks 0.4–0.6 s late). The hub key exists first, so the warm-up loads it as the first event would.
  await ensureHubKey(ctx);
  const conversationTimers = startConversationTimers(ctx);
  await conversationTimers.ready;
  const http = await listen(app.fetch, config.PORT, config.HOST).catch(async (error: unknown) => {
    await conversationTimers.stop(); // its sealing threads would keep the process alive
    throw error;
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // The embedded relay answers WebSocket upgrades on /nostr (or publishes to NOSTR_RELAY_URL).
  const realtime = await startRealtime(ctx, http as HttpServer);
  // Under signed traffic, signatures are checked on a worker thread (the main thread until it is up).
  ctx.signatures.startOnDemand();
  const stopRetention = startRetentionTimer(ctx);
  // Call records have their own age (retention.callRecordDays); the same hourly rhythm.
  const stopCallRetention = startCallRetentionTimer(ctx);
  // Reports and their attachment files (reports.retentionDays); the same hourly rhythm.
  const stopReportRetention = startReportRetentionTimer(ctx);
  // Uploads nobody continued for 7 days go with their partial files; the same hourly rhythm.
  const stopStaleUploads = startStaleUploadTimer(ctx);
  // Call timers (queue deadlines, stale legs and calls) are rows; every process ticks them.
  const stopCallTimers = startCallTimers(ctx);
  // The replay cache and rate-limit counters would otherwise grow by a row per request.
  const stopSweep = startSweepTimer(ctx);
  // Scheduled, verified backups of the embedded database (settings section `backups`).
  const stopBackups = startBackupSchedule(ctx, { migrations: ALL_MIGRATIONS });
  // The simulated carrier posts its webhooks to where we really listen (loopback).
  setSimulatorOrigin(ctx, config.HOST, port);
  // Asterisk pushes its calls over ARI's events socket: connect when credentials are stored.
  const stopAriBridge = await startAriBridge(ctx);
  // Signal has no webhooks: the server holds a socket to signal-cli-rest-api when it is configured.
  await startSignalReceiver(ctx);
  const metricsServer =
    config.METRICS_PORT !== undefined
      ? await listen(metricsApp(metrics).fetch, config.METRICS_PORT, '127.0.0.1')
      : null;
  log.info({ host: config.HOST, port, database: ctx.db.kind }, 'Llamenos is listening');
  await ensureBootstrap(ctx, (notice) => process.stdout.write(bootstrapBanner(notice, ctx.db.kind)));

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      // Notices deferred under overload are sent while the relay is still up (calls/admission.ts).
      await ctx.admission.flush(ctx);
      ctx.admission.stop();
      // Relay sockets are upgraded connections that http.close() would wait for forever.
      const relayClosed = realtime.close();
      endSimulatorWaits(ctx); // its long requests would hold http.close() open too
      ctx.telephony.training.closeAll(); // the trainers' waits too
      await closeHttp(http);
      await relayClosed;
      await stopRetention();
      await stopCallRetention();
      await stopReportRetention();
      await stopStaleUploads();
      await stopCallTimers();
      await conversationTimers.stop();
      await stopSweep();
      await stopBackups();
      stopAriBridge();
      unwireEvents();
      await settleCallWork(ctx);
      // After the last request: what the thread still held is answered on the main thread.
      await ctx.signatures.stop();
      await stopSimulatedCarrier(ctx);
      await stopMessaging(ctx);
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await ctx.db.close();
      log.info('Llamenos stopped');
    })();
    return closing;
  };
  return {
    ctx,
    url: `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`,
    port,
    close,
  };
}
