import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthHeader, generateSecretKey, getPublicKey, HUB_EVENT_KIND } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { openPostgres } from '../src/db/postgres.js';
import { sealPhone } from '../src/identity/phone.js';
import { createLogger } from '../src/logging.js';
import { type RunningServer, startServer } from '../src/server.js';
import { FakeTwilioApi } from '../src/telephony/simulator/fake-twilio-api.js';
import { waitFor } from './calls-helpers.js';
import { freePort } from './cli-process.js';
import { DEPLOY, readDeploy } from './deploy-files.js';
import { openTestDatabase, TEST_PG_URL, type TestHotline, type TestUser, testConfig } from './helpers.js';
import { login, registerPasskey } from './passkey-flow.js';
import { RawClient } from './realtime-helpers.js';
import {
  callerOnTheLine,
  TEST_TWILIO,
  twilioInbound,
  twilioWebhook,
  useTwilioNumber,
} from './twilio-webhooks.js';
import { SoftwareAuthenticator } from './webauthn-authenticator.js';

/**
 * Debian's nginx with deploy/nginx/llamenos-proxy.conf (the shipped locations, verbatim) in front
 * of two server processes on one PostgreSQL, on loopback: a call, a relay subscription and a
 * passkey sign-in all go through it, and the client address the server sees is the one nginx
 * appended, not what the client put in X-Forwarded-For. nginx runs as the current user from a
 * temporary prefix. Runs in the PostgreSQL pass; without nginx it is skipped with a warning,
 * except under CI=true, where it fails (.ci/run installs nginx).
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const NUMBER = '+15550177001';

if (TEST_PG_URL && !NGINX) {
  if (IN_CI)
    throw new Error('nginx is not installed: CI must run the reverse-proxy test (apt-get install nginx)');
  console.warn(
    'deploy-nginx: nginx is not installed; the reverse-proxy test is skipped (apt-get install nginx)',
  );
}

/** The http {} configuration: the shipped map and locations, an upstream of the two test processes. */
function nginxConf(prefix: string, listen: number, upstreams: number[]): string {
  const site = readDeploy('nginx/llamenos.conf');
  const map = site.match(/map \$http_upgrade \$llamenos_connection_upgrade \{[^}]*\}/)?.[0];
  if (!map) throw new Error('deploy/nginx/llamenos.conf lost its upgrade map');
  return `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream llamenos {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 16;
  }
  ${map}
  server {
    listen 127.0.0.1:${listen};
    include ${path.join(DEPLOY, 'nginx/llamenos-proxy.conf')};
  }
}
`;
}

describe.skipIf(!TEST_PG_URL || !NGINX)('nginx in front of two processes on one PostgreSQL', () => {
  let prefix: string;
  let nginx: ChildProcess;
  let base: string;
  let servers: RunningServer[];
  let db: Database;
  let fake: FakeTwilioApi;
  const cleanup: (() => Promise<unknown>)[] = [];

  const addUser = async (roles: string[], phone?: string): Promise<TestUser> => {
    const secretKey = generateSecretKey();
    const id = randomUUID();
    const sealed = phone ? sealPhone(servers[0]!.ctx.keys.settingsKey, 'users', id, phone) : null;
    await db.query(
      `insert into users (id, pubkey, display_name, roles, phone_enc, phone_last4, call_preference, created_at, updated_at)
       values ($1, $2, 'Volunteer', $3::jsonb, $4, $5, 'phone', now(), now())`,
      [
        id,
        getPublicKey(secretKey),
        JSON.stringify(roles),
        sealed?.phoneEnc ?? null,
        sealed?.phoneLast4 ?? null,
      ],
    );
    return { id, pubkey: getPublicKey(secretKey), secretKey, roles };
  };

  /** Requests through nginx, NIP-98-signed for PUBLIC_URL (the passkey helpers' `h`). */
  const viaNginx = {
    async request(
      method: string,
      p: string,
      o: { as?: TestUser; body?: unknown; headers?: Record<string, string> } = {},
    ) {
      const body = o.body === undefined ? undefined : JSON.stringify(o.body);
      const headers: Record<string, string> = {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...o.headers,
      };
      if (o.as)
        headers.authorization = createAuthHeader(
          { url: `${base}${p}`, method, body: body ?? '' },
          o.as.secretKey,
        );
      return fetch(`${base}${p}`, { method, headers, body });
    },
  };

  beforeAll(async () => {
    prefix = await mkdtemp(path.join(tmpdir(), 'llamenos-nginx-'));
    cleanup.push(() => rm(prefix, { recursive: true, force: true }));
    const test = await openTestDatabase();
    db = test.db;
    cleanup.push(test.drop);
    fake = await FakeTwilioApi.start(TEST_TWILIO);
    cleanup.push(() => fake.close());
    const [listen, portA, portB] = [await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${listen}`;
    const secret = randomBytes(32).toString('hex');
    const pools = [db, await openPostgres(test.url!)];
    servers = [];
    for (const [i, port] of [portA, portB].entries()) {
      const config = testConfig({
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: base,
        SERVER_SECRET: secret,
        TRUST_PROXY: 'true',
      });
      const server = await startServer(config, createLogger('silent'), {
        db: pools[i]!,
        telephony: { twilio: { apiBaseUrl: fake.baseUrl } },
      });
      servers.push(server);
      cleanup.push(() => server.close());
    }
    await writeFile(path.join(prefix, 'nginx.conf'), nginxConf(prefix, listen, [portA, portB]));
    await mkdir(path.join(prefix, 'logs'));
    nginx = spawn(
      NGINX!,
      ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    cleanup.push(async () => {
      nginx.kill('SIGTERM');
      await new Promise((r) => (nginx.exitCode !== null ? r(null) : nginx.once('exit', r)));
    });
    await waitFor(async () => (await fetch(`${base}/api/health`).catch(() => null))?.ok, 'nginx answering');
  }, 60_000);

  afterAll(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
  });

  it('the shipped TLS site passes nginx -t', async () => {
    const dir = path.join(prefix, 'site');
    await mkdir(path.join(dir, 'snippets'), { recursive: true });
    const cert = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=hotline.example.org',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
      ],
      { encoding: 'utf8' },
    );
    expect(cert.status, cert.stderr).toBe(0);
    const site = readDeploy('nginx/llamenos.conf')
      .replace('/etc/letsencrypt/live/hotline.example.org/fullchain.pem', `${dir}/cert.pem`)
      .replace('/etc/letsencrypt/live/hotline.example.org/privkey.pem', `${dir}/key.pem`)
      .replaceAll('/etc/nginx/snippets/llamenos-proxy.conf', path.join(DEPLOY, 'nginx/llamenos-proxy.conf'));
    await writeFile(
      path.join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n${site}\n}\n`,
    );
    const check = spawnSync(NGINX!, ['-t', '-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`], {
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
  });

  it('takes the client address nginx appended, not the one the client wrote', async () => {
    // The simulator answers only clients on this machine: through nginx the client is 127.0.0.1
    // (nginx's entry, right-most), whatever the request claims further left.
    const proxied = await fetch(`${base}/api/simulator/state`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(proxied.status).toBe(200);
    // The same claim straight to a process (TRUST_PROXY=true) is believed: so the 200 above is
    // nginx's doing, and a server port reachable past the proxy must not be.
    const direct = await fetch(`${servers[0]!.url}/api/simulator/state`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(direct.status).toBe(404);
  });

  it('carries a call, the relay subscription that hears it, and a passkey sign-in', async () => {
    const admin = await addUser(['admin']);
    const volunteers = [
      await addUser(['volunteer'], '+15550177010'),
      await addUser(['volunteer'], '+15550177011'),
    ];
    const shiftId = randomUUID();
    await db.query(
      `insert into shifts (id, name, weekday, start_time, duration_minutes, active, created_at, updated_at)
       values ($1, 'All day', $2, '00:00', 1440, true, now(), now())`,
      [shiftId, (new Date().getUTCDay() + 6) % 7],
    );
    for (const v of volunteers)
      await db.query('insert into shift_assignments (shift_id, user_id) values ($1, $2)', [shiftId, v.id]);
    await useTwilioNumber(servers[0]!.ctx, NUMBER);

    // The relay: a WebSocket upgrade through nginx, AUTH naming PUBLIC_URL's /nostr.
    const relayUrl = `${base.replace('http', 'ws')}/nostr`;
    const relay = await RawClient.connect(relayUrl);
    cleanup.push(async () => relay.close());
    expect((await relay.auth(volunteers[0]!.secretKey, relayUrl))[2]).toBe(true);
    relay.send(['REQ', 'live', { kinds: [HUB_EVENT_KIND] }]);
    await relay.waitFor((m) => m[0] === 'EOSE');
    const heard = relay.messages.length;

    // A call: Twilio's webhooks go through nginx (signed over PUBLIC_URL, which is nginx's).
    const caller = callerOnTheLine(fake, NUMBER, '+15550177999');
    const inbound = await twilioInbound(base, caller, NUMBER);
    expect(inbound.status).toBe(200);
    const legs = await waitFor(async () => {
      const rows = await db.query<{ id: string; call_id: string; provider_leg_id: string }>(
        'select id, call_id, provider_leg_id from call_legs where provider_leg_id is not null',
      );
      return rows.length === 2 ? rows : null;
    }, 'two legs placed');
    // The ringing call reached the subscriber as a hub event (from whichever process took it).
    await relay.waitFor((m) => m[0] === 'EVENT', 5000, heard);
    const answer = await twilioWebhook(
      base,
      `/api/telephony/twilio/answer?call=${legs[0]!.call_id}&leg=${legs[0]!.id}`,
      {
        CallSid: legs[0]!.provider_leg_id,
        Digits: '1',
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('startConferenceOnEnter="true"');
    await waitFor(async () => {
      const [call] = await db.query<{ status: string }>(
        'select status from calls where provider_call_id = $1',
        [caller.sid],
      );
      return call?.status === 'answered';
    }, 'the call answered');

    // A passkey: registered with signed requests, then a sign-in whose origin is PUBLIC_URL.
    const h = viaNginx as unknown as TestHotline;
    const { authenticator, res } = await registerPasskey(h, admin, new SoftwareAuthenticator(base));
    expect(res.status).toBe(201);
    const session = await login(h, authenticator);
    const me = await viaNginx.request('GET', '/api/me', {
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ roles: ['admin'] });
  });
});
