// The agent's image cache: pulls an image over the distribution API, unpacks its layers with umoci
// (which applies whiteouts), and keeps a read-only EROFS root filesystem per image manifest digest,
// which each microVM mounts under its own writable layer (DESIGN.md "The microVM runtime" > Images).
//
// On disk, under the directory given to the constructor:
//   images/<alg>-<hex>/rootfs.erofs       the root filesystem, uncompressed EROFS
//   images/<alg>-<hex>/image-config.json  the image config blob, byte for byte
//   images/<alg>-<hex>/image.json         what ensure() returns, and where it came from
//   tmp/<pid>-<hex>-<random>/             a pull in progress (OCI layout, umoci bundle, output)
//   trash/                                entries being removed
// An entry exists under images/ only once complete: it is built in tmp/ and renamed into place.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageError, isImageError } from './image-errors';
import {
  formatImageReference,
  parseDigest,
  parseImageReference,
  type ImageReference,
} from './image-reference';
import {
  checkConfigPlatform,
  envToRecord,
  MediaType,
  toOciManifest,
  type Descriptor,
  type ImageConfigFile,
  type ImageManifest,
} from './oci';
import {
  digestParts,
  RegistryClient,
  type FetchFn,
  type RegistryClientOptions,
  type RegistryCredentials,
  type ResolvedImage,
} from './registry-client';
import { pidAlive } from '../../util/pid-alive';

/** What a microVM needs from the image config. */
export interface ImageConfig {
  /** Empty when the image sets none. */
  readonly entrypoint: readonly string[];
  /** Empty when the image sets none. */
  readonly cmd: readonly string[];
  /** The image's Env as a record (a later duplicate wins). */
  readonly env: Readonly<Record<string, string>>;
  /** '/' when the image sets none. */
  readonly workdir: string;
  /** As the image gives it ('name', 'uid', 'uid:gid', 'name:group'); '' means root. */
  readonly user: string;
}

export interface CachedImage {
  /** Digest of the linux/amd64 image manifest as the registry serves it: the cache key. */
  readonly digest: string;
  /** The index digest when the reference named a multi-platform index. */
  readonly indexDigest?: string;
  /** The normalised reference that first pulled this image. */
  readonly reference: string;
  readonly rootfsPath: string;
  /** The image config blob as pulled (OCI image-spec config), for anything beyond `config`. */
  readonly configPath: string;
  readonly config: ImageConfig;
  /** Size of rootfs.erofs in bytes. */
  readonly sizeBytes: number;
  /** Sum of the (compressed) blob sizes downloaded for it. */
  readonly downloadBytes: number;
  readonly pulledAt: string;
}

export type PullPhase = 'resolving' | 'downloading' | 'unpacking' | 'done';

export interface PullProgress {
  readonly phase: PullPhase;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export type ProgressListener = (progress: PullProgress) => void;

export interface ImageStoreOptions {
  /** Registries (as in references: 'host:port') spoken to over plain http besides loopback ones. */
  readonly insecureRegistries?: readonly string[];
  /** Passed to every RegistryClient (timeouts, user agent, platform). */
  readonly client?: Omit<RegistryClientOptions, 'credentials' | 'insecure' | 'fetch'>;
  /** Replaces global fetch (tests count requests with it). */
  readonly fetch?: FetchFn;
  /** Parallel blob downloads per pull. Default 3. */
  readonly downloadConcurrency?: number;
  /** Run umoci with --rootless (and make every file root-owned in the EROFS). Default: when not root. */
  readonly rootless?: boolean;
  readonly umociPath?: string;
  readonly mkfsErofsPath?: string;
  readonly zstdPath?: string;
}

const ROOTFS_FILE = 'rootfs.erofs';
const CONFIG_FILE = 'image-config.json';
const META_FILE = 'image.json';
const LAYOUT_TAG = 'image';
const PROGRESS_INTERVAL_MS = 200;

interface PullJob {
  readonly promise: Promise<CachedImage>;
  readonly listeners: Set<ProgressListener>;
  readonly state: { last: PullProgress };
}

/** `sha256:abc` -> `sha256-abc`, the entry's directory name. */
function entryName(digest: string): string {
  const { algorithm, hex } = digestParts(digest);
  return `${algorithm}-${hex}`;
}

function toImageConfig(file: ImageConfigFile): ImageConfig {
  const c = file.config ?? {};
  return {
    entrypoint: [...(c.Entrypoint ?? [])],
    cmd: [...(c.Cmd ?? [])],
    env: envToRecord(c.Env),
    workdir: c.WorkingDir || '/',
    user: c.User ?? '',
  };
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && codes.includes(String(err.code));
}

/** Runs a tool; a failure becomes image/unpack_failed with the tail of its stderr. */
function runTool(file: string, args: readonly string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      if (isErrno(err, 'ENOENT')) {
        reject(
          new ImageError(
            'image/unpack_failed',
            `${what}: ${file} is not installed (run scripts/install-deps.sh)`,
            undefined,
            {
              cause: err,
            },
          ),
        );
        return;
      }
      const tail = `${stderr}`.trim().split('\n').slice(-5).join(' | ') || err.message;
      reject(new ImageError('image/unpack_failed', `${what} failed: ${tail}`, undefined, { cause: err }));
    });
  });
}

export class ImageStore {
  private readonly imagesDir: string;
  private readonly tmpDir: string;
  private readonly trashDir: string;
  private readonly inflight = new Map<string, PullJob>();
  private prepared: Promise<void> | undefined;
  private readonly rootless: boolean;

  constructor(
    readonly dir: string,
    private readonly options: ImageStoreOptions = {},
  ) {
    this.imagesDir = path.join(dir, 'images');
    this.tmpDir = path.join(dir, 'tmp');
    this.trashDir = path.join(dir, 'trash');
    this.rootless = options.rootless ?? process.getuid?.() !== 0;
  }

  /**
   * The image `reference` names, pulled and unpacked unless its manifest digest is cached. The
   * registry is always asked for the manifest (one small request, with these credentials), so a
   * moved tag is followed and access to a private image is checked on every call; blobs are only
   * downloaded, and layers only unpacked, for a digest not yet cached. Concurrent calls for the same
   * digest share one pull (and its progress).
   */
  async ensure(
    reference: string,
    credentials?: RegistryCredentials,
    onProgress?: ProgressListener,
  ): Promise<CachedImage> {
    const ref = parseImageReference(reference);
    safeCall(onProgress, { phase: 'resolving', bytesDone: 0, bytesTotal: 0 });
    await this.prepare();
    const client = this.clientFor(ref, credentials);
    const resolved = await client.resolve(ref);

    const cached = await this.get(resolved.digest);
    if (cached) {
      safeCall(onProgress, {
        phase: 'done',
        bytesDone: cached.downloadBytes,
        bytesTotal: cached.downloadBytes,
      });
      return cached;
    }

    let job = this.inflight.get(resolved.digest);
    if (!job) {
      const listeners = new Set<ProgressListener>();
      const state = { last: { phase: 'resolving', bytesDone: 0, bytesTotal: 0 } as PullProgress };
      const emit = (p: PullProgress) => {
        state.last = p;
        for (const l of listeners) safeCall(l, p);
      };
      const promise = this.pull(ref, resolved, client, emit).finally(() => {
        if (this.inflight.get(resolved.digest) === created) this.inflight.delete(resolved.digest);
      });
      const created: PullJob = { promise, listeners, state };
      job = created;
      this.inflight.set(resolved.digest, job);
    } else if (job.state.last.phase !== 'resolving') {
      safeCall(onProgress, job.state.last);
    }
    if (onProgress) job.listeners.add(onProgress);
    try {
      return await job.promise;
    } finally {
      if (onProgress) job.listeners.delete(onProgress);
    }
  }

  /** The cached image with this manifest digest, if complete. */
  async get(digest: string): Promise<CachedImage | undefined> {
    parseDigest(digest);
    const dir = path.join(this.imagesDir, entryName(digest));
    let meta: Omit<CachedImage, 'rootfsPath' | 'configPath'>;
    try {
      meta = JSON.parse(await readFile(path.join(dir, META_FILE), 'utf8')) as typeof meta;
      await stat(path.join(dir, ROOTFS_FILE));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR') || err instanceof SyntaxError) return undefined;
      throw err;
    }
    return { ...meta, rootfsPath: path.join(dir, ROOTFS_FILE), configPath: path.join(dir, CONFIG_FILE) };
  }

  /** Every complete cached image, oldest pull first. */
  async list(): Promise<CachedImage[]> {
    let names: string[];
    try {
      names = await readdir(this.imagesDir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const out: CachedImage[] = [];
    for (const name of names) {
      const m = /^(sha256|sha512)-([a-f0-9]+)$/.exec(name);
      if (!m) continue;
      const image = await this.get(`${m[1]}:${m[2]}`).catch(() => undefined);
      if (image) out.push(image);
    }
    return out.sort((a, b) => a.pulledAt.localeCompare(b.pulledAt));
  }

  /**
   * Removes a cached image; true when there was one. A microVM that has rootfs.erofs open keeps
   * its (unlinked) file until it exits; the caller decides whether an image is still needed.
   */
  async remove(digest: string): Promise<boolean> {
    parseDigest(digest);
    const dir = path.join(this.imagesDir, entryName(digest));
    await mkdir(this.trashDir, { recursive: true });
    const doomed = path.join(
      this.trashDir,
      `${entryName(digest)}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    );
    try {
      await rename(dir, doomed); // atomic: get() no longer sees it
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
    return true;
  }

  private clientFor(ref: ImageReference, credentials: RegistryCredentials | undefined): RegistryClient {
    return new RegistryClient(ref.registry, {
      ...this.options.client,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(credentials ? { credentials } : {}),
      insecure: this.options.insecureRegistries?.includes(ref.registry) ?? false,
    });
  }

  /** Creates the directories and clears pulls left by processes that are gone. Once per store. */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await mkdir(this.imagesDir, { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
      for (const name of await readdir(this.tmpDir)) {
        const pid = Number(name.split('-')[0]);
        if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) {
          await rm(path.join(this.tmpDir, name), { recursive: true, force: true });
        }
      }
      await rm(this.trashDir, { recursive: true, force: true });
    })().catch((err: unknown) => {
      this.prepared = undefined;
      throw err;
    });
    return this.prepared;
  }

  private async pull(
    ref: ImageReference,
    resolved: ResolvedImage,
    client: RegistryClient,
    emit: (p: PullProgress) => void,
  ): Promise<CachedImage> {
    const { hex } = digestParts(resolved.digest);
    // a pull of this digest that finished while this one was being set up
    const existing = await this.get(resolved.digest);
    if (existing) {
      emit({ phase: 'done', bytesDone: existing.downloadBytes, bytesTotal: existing.downloadBytes });
      return existing;
    }
    const work = await mkdtemp(path.join(this.tmpDir, `${process.pid}-${hex.slice(0, 12)}-`));
    try {
      const layout = path.join(work, 'layout');
      const bundle = path.join(work, 'bundle');
      const out = path.join(work, 'out');
      await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
      await mkdir(out);
      await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

      const manifest = toOciManifest(resolved.manifest); // fails early on layer types umoci cannot take
      const layers = uniqueByDigest(manifest.layers);
      const bytesTotal = manifest.config.size + layers.reduce((n, l) => n + l.size, 0);
      let bytesDone = 0;
      let lastEmit = 0;
      const progress = (n: number) => {
        bytesDone += n;
        const now = Date.now();
        if (now - lastEmit >= PROGRESS_INTERVAL_MS || bytesDone === bytesTotal) {
          lastEmit = now;
          emit({ phase: 'downloading', bytesDone, bytesTotal });
        }
      };
      emit({ phase: 'downloading', bytesDone: 0, bytesTotal });

      const configBytes = await client.fetchBlobBuffer(ref.repository, manifest.config);
      progress(configBytes.length);
      let configFile: ImageConfigFile;
      try {
        configFile = JSON.parse(configBytes.toString('utf8')) as ImageConfigFile;
      } catch {
        throw new ImageError(
          'image/unsupported',
          `the image config of ${formatImageReference(ref)} is not JSON`,
        );
      }
      checkConfigPlatform(configFile);
      await writeFile(blobPath(layout, manifest.config.digest), configBytes);

      const converted = new Map<string, Descriptor>();
      await forEachLimit(layers, this.options.downloadConcurrency ?? 3, async (layer) => {
        const dest = blobPath(layout, layer.digest);
        await mkdir(path.dirname(dest), { recursive: true });
        await client.fetchBlob(ref.repository, layer, dest, progress);
        if (layer.mediaType === MediaType.OciLayerZstd) {
          // umoci 0.4 cannot read zstd layers: store the tar uncompressed (its digest is the diff_id)
          converted.set(layer.digest, await this.decompressZstd(layout, dest));
        }
      });
      const ociManifest: ImageManifest = {
        ...manifest,
        layers: manifest.layers.map((l) => converted.get(l.digest) ?? l),
      };
      const manifestBytes = Buffer.from(JSON.stringify(ociManifest));
      const manifestDigest = `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`;
      await writeFile(blobPath(layout, manifestDigest), manifestBytes);
      await writeFile(
        path.join(layout, 'index.json'),
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciIndex,
          manifests: [
            {
              mediaType: MediaType.OciManifest,
              digest: manifestDigest,
              size: manifestBytes.length,
              annotations: { 'org.opencontainers.image.ref.name': LAYOUT_TAG },
            },
          ],
        }),
      );

      emit({ phase: 'unpacking', bytesDone: bytesTotal, bytesTotal });
      const umoci = this.options.umociPath ?? 'umoci';
      await runTool(
        umoci,
        ['unpack', ...(this.rootless ? ['--rootless'] : []), '--image', `${layout}:${LAYOUT_TAG}`, bundle],
        'umoci unpack',
      );
      await rm(layout, { recursive: true, force: true });
      const rootfsPath = path.join(out, ROOTFS_FILE);
      // No compression (-z): the guest kernel may lack lz4. Keep per-file mtimes (interpreters
      // such as Python compare them with their caches).
      await runTool(
        this.options.mkfsErofsPath ?? 'mkfs.erofs',
        [
          '--quiet',
          '--preserve-mtime',
          ...(this.rootless ? ['--all-root'] : []),
          rootfsPath,
          path.join(bundle, 'rootfs'),
        ],
        'mkfs.erofs',
      );
      await rm(bundle, { recursive: true, force: true });

      const sizeBytes = (await stat(rootfsPath)).size;
      const meta: Omit<CachedImage, 'rootfsPath' | 'configPath'> = {
        digest: resolved.digest,
        ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
        reference: formatImageReference(ref),
        config: toImageConfig(configFile),
        sizeBytes,
        downloadBytes: bytesTotal,
        pulledAt: new Date().toISOString(),
      };
      await writeFile(path.join(out, CONFIG_FILE), configBytes);
      await writeFile(path.join(out, META_FILE), JSON.stringify(meta, null, 2));

      const final = path.join(this.imagesDir, entryName(resolved.digest));
      try {
        await rename(out, final);
      } catch (err) {
        // another process finished the same digest first: keep theirs
        if (!isErrno(err, 'ENOTEMPTY', 'EEXIST')) throw err;
      }
      const image = await this.get(resolved.digest);
      if (!image)
        throw new ImageError('image/unpack_failed', `the cache entry for ${resolved.digest} vanished`);
      emit({ phase: 'done', bytesDone: bytesTotal, bytesTotal });
      return image;
    } catch (err) {
      if (isImageError(err)) throw err;
      throw new ImageError(
        'image/unpack_failed',
        `pulling ${formatImageReference(ref)} failed: ${String(err)}`,
        undefined,
        {
          cause: err,
        },
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** zstd -d a downloaded layer into an uncompressed tar blob; returns its descriptor. */
  private async decompressZstd(layout: string, src: string): Promise<Descriptor> {
    const tmp = `${src}.tar`;
    const hash = createHash('sha256');
    let size = 0;
    const child = spawn(this.options.zstdPath ?? 'zstd', ['-d', '-q', '-c', src], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    try {
      await pipeline(
        child.stdout,
        new Transform({
          transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
            hash.update(chunk);
            size += chunk.length;
            cb(null, chunk);
          },
        }),
        createWriteStream(tmp),
      );
      const code = await exited;
      if (code !== 0)
        throw new ImageError('image/unpack_failed', `zstd -d failed: ${stderr.trim() || `exit ${code}`}`);
    } catch (err) {
      child.kill('SIGKILL');
      await exited.catch(() => undefined);
      await rm(tmp, { force: true });
      if (isImageError(err)) throw err;
      throw new ImageError(
        'image/unpack_failed',
        isErrno(err, 'ENOENT')
          ? 'zstd is not installed (run scripts/install-deps.sh)'
          : `zstd -d failed: ${String(err)}`,
        undefined,
        { cause: err },
      );
    }
    const digest = `sha256:${hash.digest('hex')}`;
    await rename(tmp, blobPath(layout, digest));
    await rm(src, { force: true });
    return { mediaType: MediaType.OciLayer, digest, size };
  }
}

function blobPath(layout: string, digest: string): string {
  const { algorithm, hex } = digestParts(digest);
  return path.join(layout, 'blobs', algorithm, hex);
}

function uniqueByDigest(layers: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return layers.filter((l) => (seen.has(l.digest) ? false : (seen.add(l.digest), true)));
}

async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

function safeCall(listener: ProgressListener | undefined, p: PullProgress): void {
  if (!listener) return;
  try {
    listener(p);
  } catch {
    // a listener's failure is not the pull's
  }
}
