// The agent's registry traffic against a real registry on loopback (Debian's docker-registry): refused
// without the operator's allow, served with it; redirects checked hop by hop; and no registry login sent
// to another host's token realm over plain http.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTestImage, startTestRegistry, type TestRegistry } from '@berth/testing';
import { guardedFetch } from './guarded-fetch';
import { isImageError } from './image-errors';
import { parseImageReference } from './image-reference';
import { RegistryAddressPolicy } from './registry-address-policy';
import { RegistryClient } from './registry-client';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isImageError(e) ? e.code : `not an ImageError: ${String(e)}`;
  }
  return 'resolved';
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const CREDS = { username: 'alice', password: 'alice-registry-password' };

describe('guardedFetch: where the agent may pull from', () => {
  let registry: TestRegistry;
  let port: number;

  beforeAll(async () => {
    registry = await startTestRegistry();
    await buildTestImage(registry, 'team/app', { cmd: ['/bin/echo', 'hi'] });
    port = Number(registry.host.split(':')[1]);
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
  });

  function client(host: string, allow: readonly string[]): RegistryClient {
    return new RegistryClient(host, { fetch: guardedFetch(new RegistryAddressPolicy(allow)) });
  }

  it('refuses the loopback registry by address and by name unless loopback is allowed', async () => {
    for (const host of [registry.host, `localhost:${port}`]) {
      const refused = client(host, []).resolve(parseImageReference(`${host}/team/app`));
      expect(await codeOf(refused)).toBe('image/registry_forbidden');
      await expect(refused).rejects.toThrow(/loopback, link-local, private or reserved/);
    }
    // another range allowed is not enough
    expect(
      await codeOf(
        client(registry.host, ['10.0.0.0/8']).resolve(parseImageReference(`${registry.host}/team/app`)),
      ),
    ).toBe('image/registry_forbidden');
  });

  it('pulls from the loopback registry when the operator allows loopback', async () => {
    const c = client(registry.host, LOOPBACK);
    const resolved = await c.resolve(parseImageReference(`${registry.host}/team/app`));
    const config = await c.fetchBlobBuffer('team/app', resolved.manifest.config);
    expect(JSON.parse(config.toString('utf8'))).toMatchObject({ config: { Cmd: ['/bin/echo', 'hi'] } });
    const byName = client(`localhost:${port}`, LOOPBACK);
    expect((await byName.resolve(parseImageReference(`localhost:${port}/team/app`))).digest).toBe(
      resolved.digest,
    );
  });

  it('checks every redirect hop: an allowed registry cannot send the agent to the metadata address', async () => {
    const front = createServer((req, res) => {
      res.writeHead(307, { location: `http://169.254.169.254/latest/meta-data${req.url ?? ''}` }).end();
    });
    const frontPort = await listen(front, '127.0.0.1');
    try {
      const host = `127.0.0.1:${frontPort}`;
      const refused = client(host, LOOPBACK).resolve(parseImageReference(`${host}/team/app`));
      expect(await codeOf(refused)).toBe('image/registry_forbidden');
      await expect(refused).rejects.toThrow(/169\.254\.169\.254/);
    } finally {
      await close(front);
    }
  });

  describe('a token realm on another host over plain http', () => {
    let realm: Server;
    let realmRequests: IncomingMessage['headers'][];
    let registryFront: Server;
    let frontHost: string;
    let realmUrl: string;

    beforeAll(async () => {
      realmRequests = [];
      realm = createServer((req, res) => {
        realmRequests.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}');
      });
      // another loopback address, as another host would be
      realmUrl = `http://127.0.0.2:${await listen(realm, '127.0.0.2')}/token`;
      registryFront = createServer((_req, res) => {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${realmUrl}",service="r"` }).end();
      });
      frontHost = `127.0.0.1:${await listen(registryFront, '127.0.0.1')}`;
    });

    afterAll(async () => {
      await close(realm);
      await close(registryFront);
    });

    it('is refused with a coded error, and the login never leaves the agent', async () => {
      const c = new RegistryClient(frontHost, {
        credentials: CREDS,
        fetch: guardedFetch(new RegistryAddressPolicy(LOOPBACK)),
      });
      const refused = c.resolve(parseImageReference(`${frontHost}/team/app`));
      expect(await codeOf(refused)).toBe('image/insecure_realm');
      await expect(refused).rejects.toThrow(/another host over plain http/);
      expect(realmRequests).toEqual([]);
    });

    it('is refused on another port of the same address too (another origin)', async () => {
      const other = createServer((_req, res) => {
        res
          .writeHead(401, { 'www-authenticate': `Bearer realm="http://${frontHost}/token",service="r"` })
          .end();
      });
      const otherHost = `127.0.0.1:${await listen(other, '127.0.0.1')}`;
      try {
        const c = new RegistryClient(otherHost, { credentials: CREDS });
        expect(await codeOf(c.resolve(parseImageReference(`${otherHost}/team/app`)))).toBe(
          'image/insecure_realm',
        );
      } finally {
        await close(other);
      }
    });
  });
});
