// The registry client against token auth as Docker Hub and GHCR do it. docker-registry itself only
// offers htpasswd (Basic) without a token server, so a small front (node:http on loopback) plays
// the registry's token service and access check, and forwards allowed requests to the real
// docker-registry behind it. Blob downloads are redirected to a second origin ("object storage")
// that records whether credentials followed the redirect.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildTestImage, getTestManifest, startTestRegistry, type TestRegistry } from '@berth/testing';
import { isImageError } from './image-errors';
import { parseImageReference } from './image-reference';
import { ImageStore } from './image-store';
import { RegistryClient, type FetchFn } from './registry-client';

interface Front {
  readonly host: string;
  readonly tokenRequests: {
    authorization: string | undefined;
    scope: string | null;
    service: string | null;
  }[];
  readonly storageAuthorizations: (string | undefined)[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function forward(upstream: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const r = await fetch(`${upstream}${req.url}`, {
    headers: { accept: req.headers.accept ?? '*/*' },
  });
  const headers: Record<string, string> = {};
  for (const h of ['content-type', 'content-length', 'docker-content-digest']) {
    const v = r.headers.get(h);
    if (v) headers[h] = v;
  }
  res.writeHead(r.status, headers);
  res.end(Buffer.from(await r.arrayBuffer()));
}

/**
 * Token service + access check in front of `registry`. Anonymous tokens grant pull on `public/*`,
 * tokens for alice:pw on everything. `broken/*` answers 500, `slow/*` never answers, and
 * `lying/*` announces a wrong Docker-Content-Digest.
 */
async function startFront(registry: TestRegistry): Promise<Front> {
  const tokens = new Map<string, { all: boolean }>();
  const tokenRequests: Front['tokenRequests'] = [];
  const storageAuthorizations: (string | undefined)[] = [];
  const hanging = new Set<ServerResponse>();

  const storage = createServer((req, res) => {
    storageAuthorizations.push(req.headers.authorization);
    forward(registry.url, req, res).catch(() => res.destroy());
  });
  const storagePort = await listen(storage);

  const front = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    if (url.pathname === '/token') {
      const auth = req.headers.authorization;
      tokenRequests.push({
        authorization: auth,
        scope: url.searchParams.get('scope'),
        service: url.searchParams.get('service'),
      });
      const good = `Basic ${Buffer.from('alice:pw').toString('base64')}`;
      if (auth !== undefined && auth !== good) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"details":"incorrect username or password"}');
        return;
      }
      const token = randomBytes(12).toString('hex');
      tokens.set(token, { all: auth === good });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const repo = m[1]!;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = bearer ? tokens.get(bearer) : undefined;
    if (!grant || (!grant.all && !repo.startsWith('public/'))) {
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="berth-front",scope="repository:${repo}:pull"`,
        })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (repo.startsWith('broken/')) {
      res.writeHead(500).end('boom');
      return;
    }
    if (repo.startsWith('slow/')) {
      hanging.add(res);
      return;
    }
    if (m[2] === 'blobs') {
      res.writeHead(307, { location: `http://127.0.0.1:${storagePort}${url.pathname}` }).end();
      return;
    }
    if (repo.startsWith('lying/')) {
      const upstream = url.pathname.replace('/v2/lying/', '/v2/public/');
      fetch(`${registry.url}${upstream}`, { headers: { accept: req.headers.accept ?? '*/*' } })
        .then(async (r) => {
          res
            .writeHead(r.status, {
              'content-type': r.headers.get('content-type') ?? 'application/json',
              'docker-content-digest': `sha256:${'1'.repeat(64)}`,
            })
            .end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
      return;
    }
    forward(registry.url, req, res).catch(() => res.destroy());
  });
  const port = await listen(front);

  return {
    host: `127.0.0.1:${port}`,
    tokenRequests,
    storageAuthorizations,
    close: async () => {
      for (const r of hanging) r.destroy();
      for (const s of [front, storage]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

function recordingFetch(): {
  fetch: FetchFn;
  requests: { url: string; authorization: string | undefined }[];
} {
  const requests: { url: string; authorization: string | undefined }[] = [];
  const f: FetchFn = (input, init) => {
    const headers = new Headers(init?.headers);
    requests.push({
      url: input instanceof Request ? input.url : input.toString(),
      authorization: headers.get('authorization') ?? undefined,
    });
    return fetch(input, init);
  };
  return { fetch: f, requests };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isImageError(e) ? e.code : `not an ImageError: ${String(e)}`;
  }
  return 'resolved';
}

describe('RegistryClient with token (Bearer) auth', () => {
  let registry: TestRegistry;
  let front: Front;
  const dirs: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    await Promise.all([
      buildTestImage(registry, 'public/app', { cmd: ['/bin/echo', 'public'] }),
      buildTestImage(registry, 'private/app', { cmd: ['/bin/echo', 'private'] }),
    ]);
    front = await startFront(registry);
  }, 60_000);

  afterAll(async () => {
    await front?.close();
    await registry?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  beforeEach(() => {
    front.tokenRequests.length = 0;
    front.storageAuthorizations.length = 0;
  });

  function store(fetchFn?: FetchFn): ImageStore {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-images-'));
    dirs.push(dir);
    return new ImageStore(dir, fetchFn ? { fetch: fetchFn } : {});
  }

  it('gets a token with the credentials, reuses it, and never sends it to another origin', async () => {
    const rec = recordingFetch();
    const image = await store(rec.fetch).ensure(`${front.host}/private/app`, {
      username: 'alice',
      password: 'pw',
    });
    expect(image.config.cmd).toEqual(['/bin/echo', 'private']);
    expect(image.digest).toBe((await getTestManifest(registry, 'private/app', 'latest')).digest);

    // one token round trip, with Basic credentials and the challenge's service and scope
    expect(front.tokenRequests).toEqual([
      {
        authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`,
        scope: 'repository:private/app:pull',
        service: 'berth-front',
      },
    ]);
    // the first request went without credentials, every later one to the registry with the token
    const toFront = rec.requests.filter((r) => r.url.startsWith(`http://${front.host}/v2/`));
    expect(toFront[0]?.authorization).toBeUndefined();
    expect(toFront.slice(1).every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);
    // blobs were redirected to the storage origin, which never saw the token
    expect(front.storageAuthorizations.length).toBeGreaterThanOrEqual(2);
    expect(front.storageAuthorizations.every((a) => a === undefined)).toBe(true);
  });

  it('gets an anonymous token for a public repository', async () => {
    const image = await store().ensure(`${front.host}/public/app:latest`);
    expect(image.config.cmd).toEqual(['/bin/echo', 'public']);
    expect(front.tokenRequests.map((t) => t.authorization)).toEqual([undefined]);
  });

  it('is unauthorized without credentials, or with credentials the token service refuses', async () => {
    const s = store();
    expect(await codeOf(s.ensure(`${front.host}/private/app`))).toBe('image/unauthorized');
    expect(await codeOf(s.ensure(`${front.host}/private/app`, { username: 'alice', password: 'nope' }))).toBe(
      'image/unauthorized',
    );
  });

  it('maps a server error and a silent registry to image/registry_unreachable', async () => {
    const creds = { username: 'alice', password: 'pw' };
    expect(await codeOf(store().ensure(`${front.host}/broken/app`, creds))).toBe(
      'image/registry_unreachable',
    );
    const client = new RegistryClient(front.host, { credentials: creds, requestTimeoutMs: 300 });
    const started = Date.now();
    expect(await codeOf(client.resolve(parseImageReference(`${front.host}/slow/app`)))).toBe(
      'image/registry_unreachable',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects a manifest that does not match the digest the registry announces', async () => {
    const client = new RegistryClient(front.host, { credentials: { username: 'alice', password: 'pw' } });
    expect(await codeOf(client.resolve(parseImageReference(`${front.host}/lying/app`)))).toBe(
      'image/digest_mismatch',
    );
  });
});
