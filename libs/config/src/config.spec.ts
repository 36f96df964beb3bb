import { loadAgentConfig } from './agent-config';
import { formatCidr, formatIpv4 } from '@berth/domain';
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
    expect(() => loadApiConfig({ BERTH_HTTP_PORT: 'x', BERTH_PLACEMENT_POLICY: 'random' })).toThrow(
      /BERTH_HTTP_PORT[\s\S]*BERTH_OPERATOR_TOKEN[\s\S]*BERTH_AGENT_JOIN_TOKEN[\s\S]*BERTH_PLACEMENT_POLICY/,
    );
  });

  it('has no floating IPs, a quota of 5, MTU 1450 and 10.240.0.0/24 for default networks unless told', () => {
    const c = loadApiConfig(secrets);
    expect(c.fipPool).toEqual([]);
    expect(c.fipQuota).toBe(5);
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
    expect(c.fipQuota).toBe(2);
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

  it('rejects short secrets', () => {
    expect(() => loadApiConfig({ ...secrets, BERTH_OPERATOR_TOKEN: 'short' })).toThrow(/at least 24/);
  });
});

describe('loadAgentConfig', () => {
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
