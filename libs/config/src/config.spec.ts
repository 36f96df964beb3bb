import * as os from 'node:os';
import { defaultAgentConcurrency, loadAgentConfig, prebuiltMachines } from './agent-config';
import { DEFAULT_SIZE, formatCidr, formatIpv4, sizeResources } from '@berth/domain';
import { loadApiConfig } from './api-config';

const secrets = { BERTH_OPERATOR_TOKEN: 'o'.repeat(32), BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32) };

describe('loadApiConfig', () => {
  it('applies defaults', () => {
    const c = loadApiConfig(secrets);
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080, publicUrl: 'http://127.0.0.1:8080' });
    expect(c.placementPolicy).toBe('spread');
    expect(c.hostLostAfterMs).toBe(15000);
    expect(c.idempotencyReapIntervalMs).toBe(60_000);
  });

  it('reaps idempotency records as often as told, but not in a busy loop', () => {
    expect(
      loadApiConfig({ ...secrets, BERTH_IDEMPOTENCY_REAP_INTERVAL_MS: '500' }).idempotencyReapIntervalMs,
    ).toBe(500);
    expect(() => loadApiConfig({ ...secrets, BERTH_IDEMPOTENCY_REAP_INTERVAL_MS: '10' })).toThrow(
      /BERTH_IDEMPOTENCY_REAP_INTERVAL_MS/,
    );
  });

  it('coerces numbers and names every bad variable', () => {
    expect(loadApiConfig({ ...secrets, BERTH_HTTP_PORT: '9000' }).http.port).toBe(9000);
    expect(() =>
      loadApiConfig({
        BERTH_HTTP_PORT: 'x',
        BERTH_AGENT_JOIN_TOKEN: 'short',
        BERTH_PLACEMENT_POLICY: 'random',
      }),
    ).toThrow(
      /BERTH_HTTP_PORT[\s\S]*BERTH_OPERATOR_TOKEN[\s\S]*BERTH_AGENT_JOIN_TOKEN[\s\S]*BERTH_PLACEMENT_POLICY/,
    );
  });

  it('has no floating IPs, a quota of 5, MTU 1450 and 10.240.0.0/24 for default networks unless told', () => {
    const c = loadApiConfig(secrets);
    expect(c.fipPool).toEqual([]);
    expect(c.quotas.floatingIps).toBe(5);
    expect(c.networkMtu).toBe(1450);
    expect(formatCidr(c.defaultNetworkCidr)).toBe('10.240.0.0/24');
  });

  it('parses the floating-IP pool and the network settings', () => {
    const c = loadApiConfig({
      ...secrets,
      BERTH_FIP_POOL: '203.0.113.0/29, 198.51.100.7',
      BERTH_FIP_QUOTA: '2',
      BERTH_NETWORK_MTU: '8950',
      BERTH_DEFAULT_NETWORK_CIDR: '172.16.8.0/22',
    });
    expect(c.fipPool.map((r) => [formatIpv4(r.first), formatIpv4(r.last)])).toEqual([
      ['198.51.100.7', '198.51.100.7'],
      ['203.0.113.1', '203.0.113.6'],
    ]);
    expect(c.quotas.floatingIps).toBe(2);
    expect(c.networkMtu).toBe(8950);
    expect(formatCidr(c.defaultNetworkCidr)).toBe('172.16.8.0/22');
  });

  it('names bad network settings', () => {
    expect(() =>
      loadApiConfig({
        ...secrets,
        BERTH_FIP_POOL: '203.0.113.0/29,banana',
        BERTH_NETWORK_MTU: '100',
        BERTH_DEFAULT_NETWORK_CIDR: '8.8.8.0/24',
      }),
    ).toThrow(
      /BERTH_FIP_POOL: pool entry[\s\S]*BERTH_NETWORK_MTU[\s\S]*BERTH_DEFAULT_NETWORK_CIDR.*private range/,
    );
    expect(() => loadApiConfig({ ...secrets, BERTH_DEFAULT_NETWORK_CIDR: '10.0.0.0/8' })).toThrow(
      /\/16 to \/29/,
    );
    expect(() => loadApiConfig({ ...secrets, BERTH_FIP_QUOTA: '-1' })).toThrow(/BERTH_FIP_QUOTA/);
  });

  it('the bootstrap join token is optional, never expires unless told, and API-made tokens live 24 h', () => {
    const none = loadApiConfig({ BERTH_OPERATOR_TOKEN: 'o'.repeat(32) });
    expect(none.agentJoinToken).toBeNull();
    const c = loadApiConfig(secrets);
    expect(c.agentJoinToken).toBe('j'.repeat(32));
    expect(c.agentJoinTokenExpiresAt).toBeNull();
    expect(c.joinTokenTtlS).toBe(86_400);
    expect(c.readmitTokenTtlS).toBe(3_600);
  });

  it('parses the join token settings and names bad ones', () => {
    const c = loadApiConfig({
      ...secrets,
      BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT: '2026-12-31T23:00:00+01:00',
      BERTH_JOIN_TOKEN_TTL_S: '600',
      BERTH_READMIT_TOKEN_TTL_S: '120',
    });
    expect(c.agentJoinTokenExpiresAt?.toISOString()).toBe('2026-12-31T22:00:00.000Z');
    expect(c.joinTokenTtlS).toBe(600);
    expect(c.readmitTokenTtlS).toBe(120);
    expect(() =>
      loadApiConfig({
        ...secrets,
        BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT: 'next tuesday',
        BERTH_JOIN_TOKEN_TTL_S: '10',
        BERTH_READMIT_TOKEN_TTL_S: String(400 * 24 * 3600),
      }),
    ).toThrow(
      /BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT: .*ISO 8601[\s\S]*BERTH_JOIN_TOKEN_TTL_S[\s\S]*BERTH_READMIT_TOKEN_TTL_S/,
    );
  });

  it('has a default for every quota, one variable each; BERTH_FIP_QUOTA still sets floating IPs', () => {
    expect(loadApiConfig(secrets).quotas).toEqual({
      containers: 20,
      vcpus: 16,
      memoryMib: 32768,
      volumeGb: 1000,
      snapshots: 50,
      floatingIps: 5,
      networks: 10,
    });
    const c = loadApiConfig({
      ...secrets,
      BERTH_QUOTA_CONTAINERS: '3',
      BERTH_QUOTA_VCPUS: '4',
      BERTH_QUOTA_MEMORY_MIB: '2048',
      BERTH_QUOTA_VOLUME_GB: '0',
      BERTH_QUOTA_SNAPSHOTS: '7',
      BERTH_QUOTA_NETWORKS: '2',
      BERTH_FIP_QUOTA: '9',
    });
    expect(c.quotas).toEqual({
      containers: 3,
      vcpus: 4,
      memoryMib: 2048,
      volumeGb: 0,
      snapshots: 7,
      floatingIps: 9,
      networks: 2,
    });
    const both = loadApiConfig({ ...secrets, BERTH_FIP_QUOTA: '9', BERTH_QUOTA_FLOATING_IPS: '1' });
    expect(both.quotas.floatingIps).toBe(1);
    expect(() =>
      loadApiConfig({ ...secrets, BERTH_QUOTA_CONTAINERS: '-1', BERTH_QUOTA_VCPUS: '1.5' }),
    ).toThrow(/BERTH_QUOTA_CONTAINERS[\s\S]*BERTH_QUOTA_VCPUS/);
  });

  it('has rate limits per key, per address without a key, and for failed authentications', () => {
    expect(loadApiConfig(secrets).rateLimit).toEqual({
      enabled: true,
      perKey: { perSecond: 20, burst: 100 },
      anonymous: { perSecond: 5, burst: 30 },
      authFailures: { perSecond: 10 / 60, burst: 20 },
    });
    const c = loadApiConfig({
      ...secrets,
      BERTH_RATE_LIMIT_PER_S: '0.5',
      BERTH_RATE_LIMIT_BURST: '3',
      BERTH_RATE_LIMIT_ANON_PER_S: '2',
      BERTH_RATE_LIMIT_ANON_BURST: '4',
      BERTH_RATE_LIMIT_AUTH_FAILURES_PER_MIN: '6',
      BERTH_RATE_LIMIT_AUTH_FAILURES_BURST: '5',
    });
    expect(c.rateLimit).toEqual({
      enabled: true,
      perKey: { perSecond: 0.5, burst: 3 },
      anonymous: { perSecond: 2, burst: 4 },
      authFailures: { perSecond: 0.1, burst: 5 },
    });
    expect(loadApiConfig({ ...secrets, BERTH_RATE_LIMIT_ENABLED: 'false' }).rateLimit.enabled).toBe(false);
    expect(() =>
      loadApiConfig({ ...secrets, BERTH_RATE_LIMIT_PER_S: '0', BERTH_RATE_LIMIT_BURST: '0' }),
    ).toThrow(/BERTH_RATE_LIMIT_PER_S[\s\S]*BERTH_RATE_LIMIT_BURST/);
  });

  it('takes a plain queue prefix or a Redis Cluster hash tag, the same for API and agents', () => {
    const agentEnv = { BERTH_HOST_NAME: 'h1' };
    for (const prefix of ['berth', '{berth}']) {
      expect(loadApiConfig({ ...secrets, BERTH_QUEUE_PREFIX: prefix }).queuePrefix).toBe(prefix);
      expect(loadAgentConfig({ ...agentEnv, BERTH_QUEUE_PREFIX: prefix }).queuePrefix).toBe(prefix);
    }
    for (const prefix of ['ber:th', '{berth', 'berth}', '{}', '{a}{b}', 'x'.repeat(33)]) {
      expect(() => loadApiConfig({ ...secrets, BERTH_QUEUE_PREFIX: prefix })).toThrow(/BERTH_QUEUE_PREFIX/);
      expect(() => loadAgentConfig({ ...agentEnv, BERTH_QUEUE_PREFIX: prefix })).toThrow(
        /BERTH_QUEUE_PREFIX/,
      );
    }
  });

  it('rejects short secrets', () => {
    expect(() => loadApiConfig({ ...secrets, BERTH_OPERATOR_TOKEN: 'short' })).toThrow(/at least 24/);
  });
});

describe('loadAgentConfig', () => {
  it('runs jobs at once by driver: hollow many, qemu 4 per core within 4..64, unless it is set', () => {
    expect(defaultAgentConcurrency('hollow', 2)).toBe(64);
    expect(defaultAgentConcurrency('qemu', 1)).toBe(4);
    expect(defaultAgentConcurrency('qemu', 2)).toBe(8);
    expect(defaultAgentConcurrency('qemu', 6)).toBe(24);
    expect(defaultAgentConcurrency('qemu', 96)).toBe(64);
    expect(loadAgentConfig({ BERTH_DRIVER: 'hollow' }).concurrency).toBe(64);
    expect(loadAgentConfig({ BERTH_DRIVER: 'qemu' }).concurrency).toBe(
      defaultAgentConcurrency('qemu', os.availableParallelism()),
    );
    expect(loadAgentConfig({ BERTH_DRIVER: 'hollow', BERTH_AGENT_CONCURRENCY: '3' }).concurrency).toBe(3);
    expect(() => loadAgentConfig({ BERTH_AGENT_CONCURRENCY: '0' })).toThrow(/BERTH_AGENT_CONCURRENCY/);
  });

  it('derives the state dir from the host name and trims the API URL', () => {
    const c = loadAgentConfig({
      BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32),
      BERTH_HOST_NAME: 'host-a',
      BERTH_API_URL: 'http://127.0.0.1:1234/',
    });
    expect(c.apiUrl).toBe('http://127.0.0.1:1234');
    expect(c.stateDir).toMatch(/\.data\/agent\/host-a$/);
    expect(c.driver).toBe('qemu');
    expect(c.qemu.accel).toBe('auto');
  });

  it('starts microVMs from VM templates unless told not to, kept in a tmpfs directory of the host name', () => {
    const on = loadAgentConfig({ BERTH_HOST_NAME: 'host-a' }).qemu.templates;
    expect(on).toEqual({
      enabled: true,
      dir: '/dev/shm/berth-templates/host-a',
      // The smallest size and the default size are built at start-up.
      prebuild: prebuiltMachines([sizeResources('s1'), sizeResources(DEFAULT_SIZE)]),
    });
    const off = loadAgentConfig({ BERTH_VM_TEMPLATES: 'off', BERTH_VM_TEMPLATES_DIR: '/run/tpl' }).qemu
      .templates;
    expect(off).toMatchObject({ enabled: false, dir: '/run/tpl' });
    expect(() => loadAgentConfig({ BERTH_VM_TEMPLATES: 'yes' })).toThrow(/BERTH_VM_TEMPLATES/);
  });

  it('prebuilds each size on one NIC without a volume and with one', () => {
    expect(prebuiltMachines([{ vcpu: 2, memoryMib: 2048, diskGib: 10 }])).toEqual([
      { vcpu: 2, memoryMib: 2048, volumes: 0, nics: 1 },
      { vcpu: 2, memoryMib: 2048, volumes: 1, nics: 1 },
    ]);
  });

  it('prebuilds the templates of the sizes it is told, each once, or none', () => {
    const prebuild = (v: string) =>
      loadAgentConfig({ BERTH_VM_TEMPLATES_PREBUILD: v }).qemu.templates.prebuild;
    expect(prebuild('m1, s2,m1')).toEqual(prebuiltMachines([sizeResources('m1'), sizeResources('s2')]));
    expect(prebuild('')).toEqual([]);
    expect(() => prebuild('s1,huge')).toThrow(/BERTH_VM_TEMPLATES_PREBUILD.*size names/);
  });

  it('needs no join token: a host that registered re-registers with its own', () => {
    expect(loadAgentConfig({ BERTH_HOST_NAME: 'host-a' }).joinToken).toBeNull();
    expect(
      loadAgentConfig({ BERTH_HOST_NAME: 'host-a', BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32) }).joinToken,
    ).toBe('j'.repeat(32));
    expect(() => loadAgentConfig({ BERTH_AGENT_JOIN_TOKEN: 'short' })).toThrow(/BERTH_AGENT_JOIN_TOKEN/);
  });

  it('allows no loopback, link-local or private registry range unless told', () => {
    const base = { BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32) };
    expect(loadAgentConfig(base).registryAllowCidrs).toEqual([]);
    expect(
      loadAgentConfig({ ...base, BERTH_REGISTRY_ALLOW_CIDRS: ' 127.0.0.0/8, ::1/128,10.1.2.3 ' })
        .registryAllowCidrs,
    ).toEqual(['127.0.0.0/8', '::1/128', '10.1.2.3']);
    for (const bad of ['127.0.0.0/33', 'fe80::/129', 'localhost', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => loadAgentConfig({ ...base, BERTH_REGISTRY_ALLOW_CIDRS: bad })).toThrow(
        /BERTH_REGISTRY_ALLOW_CIDRS/,
      );
    }
  });

  it('rejects a host name with spaces', () => {
    expect(() => loadAgentConfig({ BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32), BERTH_HOST_NAME: 'a b' })).toThrow(
      /BERTH_HOST_NAME/,
    );
  });
});
