import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ROOT } from './cli-process.js';
import { DEPLOY, parseUnit, parseYamlSubset, readDeploy } from './deploy-files.js';

/**
 * The deploy recipes (deploy/) checked for what they must keep: the systemd unit's hardening,
 * the proxies' WebSocket and forwarded-for handling, an image that runs unprivileged with a
 * health check, and a compose file whose app environment is a valid production configuration.
 * (No hadolint or docker here: these checks read the files.) nginx itself runs in deploy-nginx.
 */
const SECRET = 'ab'.repeat(32);

describe('systemd unit', () => {
  const unit = parseUnit(readDeploy('systemd/llamenos.service'));
  const service = unit.Service!;
  const one = (key: string) => {
    expect(service[key], key).toBeDefined();
    return service[key]!.at(-1)!;
  };

  it('runs as a dedicated user with everything but DATA_DIR read-only', () => {
    expect(one('User')).toBe('llamenos');
    expect(one('Group')).toBe('llamenos');
    const dataDir = one('Environment').match(/^DATA_DIR=(.+)$/)?.[1];
    expect(dataDir).toBe('/var/lib/llamenos');
    expect(one('StateDirectory')).toBe('llamenos');
    expect(service.ReadWritePaths).toEqual([dataDir]);
    expect(one('ExecStart')).toMatch(/ serve$/);
  });

  it('has the hardening keys', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      RestrictSUIDSGID: 'yes',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      CapabilityBoundingSet: '',
      AmbientCapabilities: '',
      UMask: '0077',
    };
    for (const [key, value] of Object.entries(expected)) expect(one(key), key).toBe(value);
    expect(service.SystemCallFilter).toContain('@system-service');
    // V8's JIT and WebAssembly need it off; setting it would stop the service at start.
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
    expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))(
    'passes systemd-analyze verify without a warning',
    () => {
      const file = path.join(DEPLOY, 'systemd/llamenos.service');
      const run = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      // verify exits 0 on unknown keys and bad values, but names them: none may concern this unit.
      expect(run.stderr.split('\n').filter((l) => l.includes('llamenos.service'))).toEqual([]);
    },
  );
});

describe('reverse proxies', () => {
  it('nginx passes WebSocket upgrades at /nostr and appends the peer to X-Forwarded-For', () => {
    const proxy = readDeploy('nginx/llamenos-proxy.conf');
    const site = readDeploy('nginx/llamenos.conf');
    const nostr = proxy.slice(proxy.indexOf('location = /nostr'), proxy.indexOf('location / {'));
    expect(nostr).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(nostr).toContain('proxy_set_header Connection $llamenos_connection_upgrade;');
    expect(nostr).toContain('proxy_http_version 1.1;');
    for (const block of proxy.split(/location /).slice(1)) {
      expect(block).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
      // Host is passed on, but signatures are checked against PUBLIC_URL anyway.
      expect(block).toContain('proxy_set_header Host $host;');
    }
    expect(proxy).not.toMatch(/real_ip_header|set_real_ip_from/);
    expect(site).toMatch(/map \$http_upgrade \$llamenos_connection_upgrade/);
    expect(site).toMatch(/listen 443 ssl/);
    expect(site).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(site).toContain('include /etc/nginx/snippets/llamenos-proxy.conf;');
    expect(site).toContain('access_log off;');
  });

  it('Caddy proxies to the processes, keeps no access log and trusts no client forwarded-for', () => {
    for (const file of ['caddy/Caddyfile', 'docker/Caddyfile']) {
      const text = readDeploy(file);
      const uncommented = text.replace(/#.*$/gm, '');
      expect(uncommented, file).toMatch(/reverse_proxy/);
      expect(uncommented, file).not.toMatch(/\btrusted_proxies\b|\blog\b|\bheader_up\b/);
      expect(uncommented.split('{').length, `${file}: braces balance`).toBe(uncommented.split('}').length);
    }
  });
});

describe('Dockerfile', () => {
  const text = readDeploy('docker/Dockerfile');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.trim().split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
  const runtime = instructions.slice(instructions.map((i) => i.op).lastIndexOf('FROM'));

  it('builds from a named, pinned base and installs from the lock file', () => {
    const nodeImage = text.match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1];
    expect(nodeImage).toMatch(/^node:\d+[\w.-]*$/);
    for (const from of instructions.filter((i) => i.op === 'FROM'))
      expect(from.args).not.toMatch(/:latest\b/);
    const install = instructions.findIndex((i) => i.op === 'RUN' && i.args.includes('npm ci'));
    expect(install).toBeGreaterThan(-1);
    // The root package's postinstall runs it: it must be in the image before the install.
    const mend = instructions.findIndex(
      (i) => i.op === 'COPY' && i.args.includes('scripts/mend-dependencies.mjs'),
    );
    expect(mend).toBeGreaterThan(-1);
    expect(mend).toBeLessThan(install);
    expect(instructions.some((i) => i.op === 'ADD')).toBe(false);
  });

  it('runs unprivileged, with a health check, the serve command and DATA_DIR on a volume', () => {
    const user = runtime.filter((i) => i.op === 'USER').at(-1);
    expect(user?.args).toBe('node');
    expect(runtime.findIndex((i) => i.op === 'USER')).toBeLessThan(runtime.findIndex((i) => i.op === 'CMD'));
    expect(runtime.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('/api/health/ready');
    expect(JSON.parse(runtime.find((i) => i.op === 'CMD')!.args)).toEqual([
      'node',
      'apps/server/dist/cli.js',
      'serve',
    ]);
    expect(runtime.find((i) => i.op === 'VOLUME')?.args).toBe('["/data"]');
    expect(runtime.find((i) => i.op === 'ENV')?.args).toContain('DATA_DIR=/data');
  });

  it('copies only paths that exist in the repository', () => {
    for (const copy of instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = copy.args.split(' ').slice(0, -1);
      for (const source of sources)
        if (source !== '.') expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    }
    expect(existsSync(path.join(DEPLOY, 'docker/Dockerfile.dockerignore'))).toBe(true);
  });
});

describe('compose file', () => {
  const compose = parseYamlSubset(readDeploy('docker/compose.yaml')) as {
    services: Record<string, Record<string, unknown>>;
  };
  const service = (name: string) => {
    const found = compose.services[name];
    if (!found) throw new Error(`compose.yaml has no service ${name}`);
    return found;
  };
  const [postgres, app, caddy, strfry] = ['postgres', 'app', 'caddy', 'strfry'].map(service) as [
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  const example = Object.fromEntries(
    readDeploy('docker/env.example')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );

  it('runs PostgreSQL with a health check, N app processes after it, Caddy in front, strfry on request', () => {
    expect(postgres.image).toMatch(/^postgres:\d+/);
    expect((postgres.healthcheck as { test: string[] }).test.join(' ')).toContain('pg_isready');
    expect(app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect((app.deploy as { replicas: string }).replicas).toMatch(/^\$\{LLAMENOS_PROCESSES:-2\}$/);
    expect((app.build as { dockerfile: string }).dockerfile).toBe('deploy/docker/Dockerfile');
    expect(app.ports).toBeUndefined(); // reachable only through Caddy: TRUST_PROXY's premise
    expect(app.cap_drop).toEqual(['ALL']);
    expect(app.security_opt).toEqual(['no-new-privileges:true']);
    expect(app.read_only).toBe('true');
    expect(app.volumes).toEqual(['app-data:/data']);
    expect(caddy.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro');
    expect(strfry.profiles).toEqual(['relay']);
    expect((strfry.tmpfs as string[])[0]).toMatch(/^\/app\/strfry-db:/);
    for (const mount of [...(strfry.volumes as string[]), ...(caddy.volumes as string[])]) {
      const source = mount.split(':')[0]!;
      if (source.startsWith('.')) expect(existsSync(path.join(DEPLOY, 'docker', source)), source).toBe(true);
    }
  });

  it("gives the app a valid production configuration once .env's variables are filled in", () => {
    const filled: Record<string, string> = {
      ...example,
      LLAMENOS_DOMAIN: 'hotline.example.org',
      SERVER_SECRET: SECRET,
      POSTGRES_PASSWORD: 'pw',
    };
    const interpolate = (value: string) =>
      value.replace(/\$\{([A-Z_]+)(?::?[-?][^}]*)?\}/g, (_, name: string) => {
        expect(name in example, `${name} is listed in env.example`).toBe(true);
        return filled[name] ?? '';
      });
    const env = Object.fromEntries(
      Object.entries(app.environment as Record<string, string>).map(([k, v]) => [k, interpolate(v)]),
    );
    const config = loadConfig({ ...env, DATA_DIR: path.join(ROOT, 'apps/server/test') });
    expect(config.LLAMENOS_ENV).toBe('production');
    expect(config.PUBLIC_URL).toBe('https://hotline.example.org');
    expect(config.DATABASE_URL).toBe('postgres://llamenos:pw@postgres:5432/llamenos');
    expect(config.TRUST_PROXY).toMatchObject({ mode: 'hops', hops: 1 });
  });

  it('is documented in OPERATIONS.md', () => {
    const ops = readFileSync(path.join(ROOT, 'docs/OPERATIONS.md'), 'utf8');
    for (const file of [
      'deploy/systemd/llamenos.service',
      'deploy/nginx/llamenos.conf',
      'deploy/caddy/Caddyfile',
      'deploy/docker/compose.yaml',
    ])
      expect(ops, file).toContain(file);
  });
});
