import { loadAgentConfig } from './agent-config';
import { loadApiConfig } from './api-config';

const secrets = { BERTH_OPERATOR_TOKEN: 'o'.repeat(32), BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32) };

describe('loadApiConfig', () => {
  it('applies defaults', () => {
    const c = loadApiConfig(secrets);
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080, publicUrl: 'http://127.0.0.1:8080' });
    expect(c.placementPolicy).toBe('spread');
    expect(c.hostLostAfterMs).toBe(15000);
  });

  it('coerces numbers and names every bad variable', () => {
    expect(loadApiConfig({ ...secrets, BERTH_HTTP_PORT: '9000' }).http.port).toBe(9000);
    expect(() => loadApiConfig({ BERTH_HTTP_PORT: 'x', BERTH_PLACEMENT_POLICY: 'random' })).toThrow(
      /BERTH_HTTP_PORT[\s\S]*BERTH_OPERATOR_TOKEN[\s\S]*BERTH_AGENT_JOIN_TOKEN[\s\S]*BERTH_PLACEMENT_POLICY/,
    );
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

  it('rejects a host name with spaces', () => {
    expect(() => loadAgentConfig({ BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32), BERTH_HOST_NAME: 'a b' })).toThrow(
      /BERTH_HOST_NAME/,
    );
  });
});
