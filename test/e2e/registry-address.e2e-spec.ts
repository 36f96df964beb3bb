import { createServer, type Server } from 'node:net';
import {
  buildTestImage,
  startTestRegistry,
  TestStack,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(180_000);

/**
 * The agent pulls from no loopback, link-local, private or metadata address unless the operator allows
 * the range (BERTH_REGISTRY_ALLOW_CIDRS): the pull operation fails at once with a coded error, without a
 * single connection to the address. The suites' registry is on loopback: with the allow, it serves.
 */
describe('registry addresses an agent refuses (api + agent processes, real registry)', () => {
  const stack = new TestStack('regaddr');
  let registry: TestRegistry;
  let listener: { server: Server; connections: number; host: string };
  let tenant: TestHttpClient;

  beforeAll(async () => {
    registry = await startTestRegistry();
    await buildTestImage(registry, 'team/app', { cmd: ['/bin/echo', 'hi'] });
    const counted = { server: createServer((s) => s.destroy()), connections: 0, host: '' };
    counted.server.on('connection', () => (counted.connections += 1));
    await new Promise<void>((resolve) => counted.server.listen(0, '127.0.0.1', resolve));
    counted.host = `127.0.0.1:${(counted.server.address() as { port: number }).port}`;
    listener = counted;
    await stack.start();
    // No range allowed: the operator's default.
    await stack.startAgent({ name: 'strict', env: { BERTH_REGISTRY_ALLOW_CIDRS: '' } });
    tenant = (await stack.tenant('regaddr')).http;
  });

  afterAll(async () => {
    await stack.stop();
    await new Promise<void>((resolve) => (listener ? listener.server.close(() => resolve()) : resolve()));
    await registry?.stop();
  });

  async function pull(image: string): Promise<any> {
    const res = await tenant.post('/v1/images/pull', { image });
    expect(res.status).toBe(202);
    return (await tenant.get(`/v1/operations/${res.body.operation.id}?wait=90`)).body;
  }

  it('fails a pull from loopback, by address or by name, with image/registry_forbidden and no connection', async () => {
    for (const image of [
      `${listener.host}/team/app:latest`,
      `localhost:${listener.host.split(':')[1]}/team/app`,
    ]) {
      const op = await pull(image);
      expect(op).toMatchObject({
        state: 'failed',
        error: {
          code: 'image/registry_forbidden',
          message: expect.stringMatching(/loopback, link-local, private or reserved address/),
        },
      });
    }
    expect(listener.connections).toBe(0);
    const images = await tenant.get('/v1/images');
    expect(images.body.data.every((i: { state: string }) => i.state === 'failed')).toBe(true);
  });

  it('pulls from the loopback registry once the operator allows loopback', async () => {
    await stack.agents.get('strict')!.process.stop();
    await stack.startAgent({ name: 'strict', env: { BERTH_REGISTRY_ALLOW_CIDRS: '127.0.0.0/8,::1/128' } });
    const op = await pull(`${registry.host}/team/app:latest`);
    expect(op).toMatchObject({ state: 'succeeded' });
  });
});
