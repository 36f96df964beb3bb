// The image pipeline against a real registry (Debian's docker-registry on loopback) with images
// built by the test from busybox-static; the EROFS images are checked with erofs-utils.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  buildTestImage,
  freePort,
  getTestManifest,
  pushTestIndex,
  startTestRegistry,
  type TestRegistry,
} from '@berth/testing';
import { isImageError } from './image-errors';
import { ImageStore, type PullProgress } from './image-store';
import type { FetchFn } from './registry-client';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(d);
  return d;
}

/** Unpacks an EROFS image with fsck.erofs (which also checks it) into a temp dir. */
function extract(rootfsPath: string): string {
  const dir = path.join(tempDir('berth-erofs-'), 'root');
  execFileSync('fsck.erofs', [`--extract=${dir}`, rootfsPath], { stdio: 'pipe' });
  return dir;
}

function sha256File(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

/** A fetch that records every URL it is asked for. */
function countingFetch(): { fetch: FetchFn; urls: string[] } {
  const urls: string[] = [];
  const f: FetchFn = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return fetch(input, init);
  };
  return { fetch: f, urls };
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isImageError(e) ? e.code : `not an ImageError: ${String(e)}`;
  }
  return 'resolved';
}

describe('ImageStore (real registry)', () => {
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let appRef: string;
  const user = { user: 'alice', password: 's3cret-pw' };

  beforeAll(async () => {
    [registry, privateRegistry] = await Promise.all([
      startTestRegistry(),
      startTestRegistry({ htpasswd: user }),
    ]);
    appRef = await buildTestImage(registry, 'team/app', {
      cmd: ['/bin/sh', '-c', 'echo hello from berth'],
      entrypoint: ['/bin/env'],
      env: { PATH: '/bin:/usr/bin', GREETING: 'hi there', EQUALS: 'a=b' },
      workdir: '/srv',
      user: 'app:app',
      files: { '/srv/index.html': '<h1>berth</h1>\n', '/srv/run.sh': '#!/bin/sh\necho run\n' },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([registry?.stop(), privateRegistry?.stop()]);
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('pulls an image into an uncompressed EROFS root filesystem with its config', async () => {
    const store = new ImageStore(tempDir('berth-images-'));
    const progress: PullProgress[] = [];
    const image = await store.ensure(appRef, undefined, (p) => progress.push(p));

    const registryDigest = (await getTestManifest(registry, 'team/app', 'latest')).digest;
    expect(image.digest).toBe(registryDigest);
    expect(image.reference).toBe(`${registry.host}/team/app:latest`);
    expect(image.config).toEqual({
      entrypoint: ['/bin/env'],
      cmd: ['/bin/sh', '-c', 'echo hello from berth'],
      env: { PATH: '/bin:/usr/bin', GREETING: 'hi there', EQUALS: 'a=b' },
      workdir: '/srv',
      user: 'app:app',
    });
    expect(image.sizeBytes).toBe(statSync(image.rootfsPath).size);
    expect(path.basename(image.rootfsPath)).toBe('rootfs.erofs');

    // the EROFS image is valid, uncompressed, and holds the image's files
    const stats = execFileSync('dump.erofs', ['-S', image.rootfsPath]).toString();
    expect(stats).toMatch(/compressed files:\s+0\b/);
    expect(execFileSync('dump.erofs', ['--path=/bin/busybox', image.rootfsPath]).toString()).toMatch(
      /regular file/,
    );
    const root = extract(image.rootfsPath);
    expect(sha256File(path.join(root, 'bin', 'busybox'))).toBe(sha256File('/bin/busybox'));
    expect(statSync(path.join(root, 'bin', 'busybox')).mode & 0o777).toBe(0o755);
    expect(readdirSync(path.join(root, 'bin'))).toEqual(
      expect.arrayContaining(['sh', 'echo', 'cat', 'sleep', 'ls', 'env']),
    );
    expect(readFileSync(path.join(root, 'srv', 'index.html'), 'utf8')).toBe('<h1>berth</h1>\n');
    expect(statSync(path.join(root, 'srv', 'run.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(path.join(root, 'etc', 'passwd'), 'utf8')).toContain('app:x:1000:1000');
    expect(statSync(path.join(root, 'tmp')).mode & 0o7777).toBe(0o1777);

    // the image config is kept as pulled, and nothing else is left behind
    const configFile = JSON.parse(readFileSync(image.configPath, 'utf8'));
    expect(configFile.config.WorkingDir).toBe('/srv');
    expect(readdirSync(path.dirname(image.rootfsPath)).sort()).toEqual([
      'image-config.json',
      'image.json',
      'rootfs.erofs',
    ]);
    expect(readdirSync(path.join(store.dir, 'tmp'))).toEqual([]);

    // progress went through the phases in order and ended complete
    const phases = progress.map((p) => p.phase).filter((p, i, a) => a[i - 1] !== p);
    expect(phases).toEqual(['resolving', 'downloading', 'unpacking', 'done']);
    const last = progress[progress.length - 1]!;
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.bytesTotal).toBeGreaterThan(1_000_000);
    const downloads = progress.filter((p) => p.phase === 'downloading').map((p) => p.bytesDone);
    expect(downloads).toEqual([...downloads].sort((a, b) => a - b));

    expect((await store.list()).map((i) => i.digest)).toEqual([image.digest]);
    expect(await store.get(image.digest)).toEqual(image);
  });

  it('serves a second ensure() of the same digest from the cache: no blob download, no unpack', async () => {
    const counter = countingFetch();
    const store = new ImageStore(tempDir('berth-images-'), { fetch: counter.fetch });
    const first = await store.ensure(appRef);
    const blobGets = counter.urls.filter((u) => u.includes('/blobs/')).length;
    expect(blobGets).toBeGreaterThanOrEqual(2); // config and layer
    const before = statSync(first.rootfsPath);

    counter.urls.length = 0;
    const progress: PullProgress[] = [];
    const second = await store.ensure(appRef, undefined, (p) => progress.push(p));
    expect(second).toEqual(first);
    expect(counter.urls).toEqual([`${registry.url}/v2/team/app/manifests/latest`]);
    const after = statSync(second.rootfsPath);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(progress.map((p) => p.phase)).toEqual(['resolving', 'done']);

    // a new store on the same directory (an agent restart) finds it too
    counter.urls.length = 0;
    const restarted = new ImageStore(store.dir, { fetch: counter.fetch });
    expect((await restarted.ensure(appRef)).rootfsPath).toBe(first.rootfsPath);
    expect(counter.urls.filter((u) => u.includes('/blobs/'))).toEqual([]);
  });

  it('shares one pull between concurrent ensure() calls for the same digest', async () => {
    const counter = countingFetch();
    const store = new ImageStore(tempDir('berth-images-'), { fetch: counter.fetch });
    const seen: PullProgress[][] = [[], [], []];
    const results = await Promise.all(
      [appRef, appRef, `${registry.host}/team/app`].map((r, i) =>
        store.ensure(r, undefined, (p) => seen[i]!.push(p)),
      ),
    );
    expect(new Set(results.map((r) => r.rootfsPath)).size).toBe(1);
    const manifest = (await getTestManifest(registry, 'team/app', 'latest')).body;
    const blobs = counter.urls.filter((u) => u.includes('/blobs/'));
    expect(blobs).toHaveLength(1 + manifest.layers.length);
    expect(new Set(blobs).size).toBe(blobs.length);
    for (const s of seen) expect(s[s.length - 1]?.phase).toBe('done');
  });

  it('pulls by digest, and removes an image', async () => {
    const store = new ImageStore(tempDir('berth-images-'));
    const digest = (await getTestManifest(registry, 'team/app', 'latest')).digest;
    const image = await store.ensure(`${registry.host}/team/app@${digest}`);
    expect(image.digest).toBe(digest);
    expect(await store.remove(digest)).toBe(true);
    expect(existsSync(image.rootfsPath)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await store.get(digest)).toBeUndefined();
    expect(await store.remove(digest)).toBe(false);
  });

  it('applies whiteouts: a file deleted in a later layer is absent', async () => {
    const ref = await buildTestImage(registry, 'team/layered', {
      cmd: ['/bin/sh'],
      files: { '/data/keep.txt': 'keep\n', '/data/gone.txt': 'gone\n', '/data/dir/inner.txt': 'inner\n' },
      layers: [
        { files: { '/data/new.txt': 'new\n', '/data/keep.txt': 'kept, changed\n' } },
        { remove: ['/data/gone.txt', '/data/dir'] },
      ],
    });
    const manifest = (await getTestManifest(registry, 'team/layered', 'latest')).body;
    expect(manifest.layers.length).toBeGreaterThanOrEqual(3);

    const store = new ImageStore(tempDir('berth-images-'));
    const image = await store.ensure(ref);
    const root = extract(image.rootfsPath);
    expect(readdirSync(path.join(root, 'data')).sort()).toEqual(['keep.txt', 'new.txt']);
    expect(readFileSync(path.join(root, 'data', 'keep.txt'), 'utf8')).toBe('kept, changed\n');
    // no whiteout markers leak into the filesystem
    expect(execFileSync('find', [root, '-name', '.wh.*']).toString()).toBe('');
  });

  it('pulls a Docker schema-2 image (rewritten to OCI media types for umoci) under its registry digest', async () => {
    const ref = await buildTestImage(registry, 'team/docker-format', {
      cmd: ['/bin/echo', 'v2s2'],
      format: 'v2s2',
    });
    const m = await getTestManifest(registry, 'team/docker-format', 'latest');
    expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const store = new ImageStore(tempDir('berth-images-'));
    const image = await store.ensure(ref);
    expect(image.digest).toBe(m.digest);
    expect(image.config.cmd).toEqual(['/bin/echo', 'v2s2']);
    expect(existsSync(path.join(extract(image.rootfsPath), 'bin', 'busybox'))).toBe(true);
  });

  it('pulls zstd-compressed layers (decompressed for umoci 0.4)', async () => {
    const ref = await buildTestImage(registry, 'team/zstd', {
      cmd: ['/bin/true'],
      compression: 'zstd',
      layers: [{ files: { '/hello': 'zstd\n' } }],
    });
    const m = await getTestManifest(registry, 'team/zstd', 'latest');
    expect(m.body.layers.map((l: { mediaType: string }) => l.mediaType)).toContain(
      'application/vnd.oci.image.layer.v1.tar+zstd',
    );
    const image = await new ImageStore(tempDir('berth-images-')).ensure(ref);
    expect(readFileSync(path.join(extract(image.rootfsPath), 'hello'), 'utf8')).toBe('zstd\n');
  });

  it('resolves a multi-platform index to linux/amd64', async () => {
    await buildTestImage(registry, 'team/multi', { tag: 'amd64', cmd: ['/bin/echo', 'amd64'] });
    await buildTestImage(registry, 'team/multi', {
      tag: 'arm64',
      cmd: ['/bin/echo', 'arm64'],
      architecture: 'arm64',
    });
    const amd64 = (await getTestManifest(registry, 'team/multi', 'amd64')).digest;
    for (const format of ['oci', 'docker'] as const) {
      const ref = await pushTestIndex(
        registry,
        'team/multi',
        `multi-${format}`,
        [
          { tag: 'arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { tag: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
        ],
        { format },
      );
      const indexDigest = (await getTestManifest(registry, 'team/multi', `multi-${format}`)).digest;
      const image = await new ImageStore(tempDir('berth-images-')).ensure(ref);
      expect(image.digest).toBe(amd64);
      expect(image.indexDigest).toBe(indexDigest);
      expect(image.config.cmd).toEqual(['/bin/echo', 'amd64']);
    }
  });

  it('refuses images without linux/amd64 (image/unsupported)', async () => {
    await buildTestImage(registry, 'team/armonly', {
      tag: 'arm64',
      cmd: ['/bin/true'],
      architecture: 'arm64',
    });
    const indexRef = await pushTestIndex(registry, 'team/armonly', 'latest', [
      { tag: 'arm64', platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const store = new ImageStore(tempDir('berth-images-'));
    expect(await errorCode(store.ensure(indexRef))).toBe('image/unsupported');
    // a plain manifest whose config says arm64
    expect(await errorCode(store.ensure(`${registry.host}/team/armonly:arm64`))).toBe('image/unsupported');
    expect(readdirSync(path.join(store.dir, 'tmp'))).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('needs the right credentials for a private image (image/unauthorized)', async () => {
    const ref = await buildTestImage(privateRegistry, 'private/app', { cmd: ['/bin/echo', 'secret'] });
    const store = new ImageStore(tempDir('berth-images-'));
    expect(await errorCode(store.ensure(ref))).toBe('image/unauthorized');
    expect(await errorCode(store.ensure(ref, { username: 'alice', password: 'wrong' }))).toBe(
      'image/unauthorized',
    );
    expect(await errorCode(store.ensure(ref, { username: 'mallory', password: user.password }))).toBe(
      'image/unauthorized',
    );
    const image = await store.ensure(ref, { username: user.user, password: user.password });
    expect(image.config.cmd).toEqual(['/bin/echo', 'secret']);
    expect(existsSync(path.join(extract(image.rootfsPath), 'bin', 'busybox'))).toBe(true);
    // the cache does not let a caller without credentials skip the registry's check
    expect(await errorCode(store.ensure(ref))).toBe('image/unauthorized');
    expect(await errorCode(store.ensure(`${privateRegistry.host}/private/app@${image.digest}`))).toBe(
      'image/unauthorized',
    );
  });

  it('reports a missing tag or repository as image/not_found', async () => {
    const store = new ImageStore(tempDir('berth-images-'));
    expect(await errorCode(store.ensure(`${registry.host}/team/app:no-such-tag`))).toBe('image/not_found');
    expect(await errorCode(store.ensure(`${registry.host}/no/such-repo:latest`))).toBe('image/not_found');
    expect(await errorCode(store.ensure(`${registry.host}/team/app@sha256:${'0'.repeat(64)}`))).toBe(
      'image/not_found',
    );
  });

  it('rejects a blob whose bytes do not match its digest (image/digest_mismatch) and keeps nothing', async () => {
    const ref = await buildTestImage(registry, 'team/corrupt', {
      cmd: ['/bin/true'],
      layers: [{ files: { '/unique.txt': `${Date.now()}-${Math.random()}\n`.repeat(100) } }],
    });
    const manifest = (await getTestManifest(registry, 'team/corrupt', 'latest')).body;
    const layer = manifest.layers[manifest.layers.length - 1].digest as string;
    const file = registry.blobFile(layer);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff; // same size, different bytes
    writeFileSync(file, bytes);

    const store = new ImageStore(tempDir('berth-images-'));
    let err: unknown;
    await store.ensure(ref).catch((e: unknown) => (err = e));
    expect(isImageError(err, 'image/digest_mismatch')).toBe(true);
    expect((err as Error).message).toContain(layer);
    expect(readdirSync(path.join(store.dir, 'tmp'))).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('reports a registry that does not answer as image/registry_unreachable', async () => {
    const port = await freePort(); // nothing listens there
    const store = new ImageStore(tempDir('berth-images-'));
    expect(await errorCode(store.ensure(`127.0.0.1:${port}/team/app:latest`))).toBe(
      'image/registry_unreachable',
    );
  });

  it('rejects a malformed reference before any request (image/invalid_reference)', async () => {
    const counter = countingFetch();
    const store = new ImageStore(tempDir('berth-images-'), { fetch: counter.fetch });
    expect(await errorCode(store.ensure('Not A Reference'))).toBe('image/invalid_reference');
    expect(counter.urls).toEqual([]);
  });
});
