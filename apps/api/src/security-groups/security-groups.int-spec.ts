import { expectError } from '@berth/testing';
import { InProcessApi, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * A security group's delete is refused while it is in use (worn by a live container, or named by
 * another group's rule), saying by what; attaching one a container already wears changes nothing, and
 * a sixth is refused.
 */
describe('security groups in use (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await InProcessApi.start();
    const host = await api.registerHost();
    await api.hostsTakingWork(host);
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
  });

  async function group(name: string, rules: unknown[] = []): Promise<string> {
    const res = await tenant.http.post('/v1/security-groups', { name, rules });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function container(name: string, securityGroups: string[]): Promise<string> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', name, securityGroups });
    expect(res.status).toBe(202);
    return res.body.data.id;
  }

  it('refuses to delete a group live containers wear, naming three of them by name', async () => {
    await group('web');
    for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await container(name, ['web']);
    const res = await tenant.http.delete('/v1/security-groups/web');
    expectError(res, 409, 'security_group/in_use');
    expect(res.body.error.details).toEqual({ containers: ['alpha', 'bravo', 'charlie'] });
    expect(res.body.error.message).toContain('attached to alpha, bravo, charlie and others');
  });

  it('refuses to delete a group another group names in a rule, and deletes it once it is not', async () => {
    await group('clients');
    await group('web', [
      { direction: 'ingress', protocol: 'tcp', portFrom: 80, portTo: 80, remoteGroup: 'clients' },
    ]);
    // A group whose own rule names itself is not in use by that rule.
    await group('self', [{ direction: 'ingress', protocol: 'all', remoteGroup: 'self' }]);
    const res = await tenant.http.delete('/v1/security-groups/clients');
    expectError(res, 409, 'security_group/in_use');
    expect(res.body.error.details).toEqual({ groups: ['web'] });
    expect((await tenant.http.delete('/v1/security-groups/web')).status).toBe(200);
    expect((await tenant.http.delete('/v1/security-groups/clients')).status).toBe(200);
    expect((await tenant.http.delete('/v1/security-groups/self')).status).toBe(200);
  });

  it('attaching a group a container wears changes nothing; a sixth group is refused', async () => {
    const ids = [];
    for (const name of ['g1', 'g2', 'g3', 'g4', 'g5', 'g6']) ids.push(await group(name));
    const c = await container('worker', ['g1', 'g2', 'g3', 'g4', 'g5']);
    const again = await tenant.http.post(`/v1/containers/${c}/security-groups`, { group: 'g3' });
    expect(again.status).toBe(200);
    expect(again.body.securityGroups).toEqual(ids.slice(0, 5));
    expectError(
      await tenant.http.post(`/v1/containers/${c}/security-groups`, { group: 'g6' }),
      403,
      'quota/exceeded',
    );
  });
});
