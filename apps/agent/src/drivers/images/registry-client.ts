// A client for the OCI distribution API (the registry HTTP API v2), just what pulling needs:
// manifests (index resolved to linux/amd64), blobs streamed to disk with their digest verified,
// and the two ways registries ask for credentials (Bearer token service, Basic).
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ImageError, isImageError } from './image-errors';
import { DOCKER_HUB, manifestReference, type ImageReference } from './image-reference';
import {
  MANIFEST_ACCEPT,
  parseManifest,
  selectPlatform,
  type Descriptor,
  type ImageManifest,
  type Platform,
  TARGET_PLATFORM,
} from './oci';
import { RegistryAddressRefusedError } from './registry-address-policy';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export type FetchFn = typeof fetch;

export interface RegistryClientOptions {
  /** Talk plain http. Always the case for localhost, 127.0.0.0/8 and [::1]. */
  readonly insecure?: boolean;
  readonly credentials?: RegistryCredentials;
  /** Replaces the global fetch (tests count requests with it). */
  readonly fetch?: FetchFn;
  /** Time allowed until the response headers arrive. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Longest silence while a body streams. Default 60 s. */
  readonly idleTimeoutMs?: number;
  readonly userAgent?: string;
  /** The platform an index is resolved to; linux/amd64. */
  readonly platform?: Platform;
}

export interface FetchedManifest {
  /** The digest of the bytes as the registry sent them. */
  readonly digest: string;
  readonly mediaType: string;
  readonly body: Buffer;
  readonly parsed: ReturnType<typeof parseManifest>;
}

export interface ResolvedImage {
  /** Digest of the platform's image manifest (the cache key). */
  readonly digest: string;
  /** Digest of the index the reference pointed at, when it pointed at one. */
  readonly indexDigest: string | undefined;
  readonly mediaType: string;
  readonly manifest: ImageManifest;
  /** The manifest exactly as the registry sent it. */
  readonly body: Buffer;
}

/** Largest manifest accepted (containerd uses the same bound). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 10;

/** The API host of a registry name: Docker Hub's API lives at registry-1.docker.io. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** Loopback registries are spoken to over plain http, as docker does. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0];
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host ?? '');
}

/** Which hash a digest names, and its hex. */
export function digestParts(digest: string): { algorithm: 'sha256' | 'sha512'; hex: string } {
  const [algorithm, hex] = digest.split(':');
  if ((algorithm !== 'sha256' && algorithm !== 'sha512') || !hex) {
    throw new ImageError('image/unsupported', `digest "${digest}" uses an unsupported algorithm`);
  }
  return { algorithm, hex };
}

function digestOf(body: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string }[];
}

/** Reads a small error body; never throws. */
async function errorCodes(res: Response): Promise<string[]> {
  try {
    const text = await res.text();
    const json = JSON.parse(text.slice(0, 65536)) as RegistryErrorBody;
    return (json.errors ?? []).map((e) => String(e.code ?? '')).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The first error in `err`'s cause chain (itself included) that `pick` accepts, at most five deep: fetch
 * wraps a connect error in a TypeError, and undici wraps it once more.
 */
function findInCauseChain<T>(err: unknown, pick: (e: unknown) => T | undefined): T | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const found = pick(e);
    if (found !== undefined) return found;
    e = typeof e === 'object' && e !== null && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/** The address refusal somewhere in an error's cause chain. */
function addressRefusal(err: unknown): RegistryAddressRefusedError | undefined {
  return findInCauseChain(err, (e) => (e instanceof RegistryAddressRefusedError ? e : undefined));
}

/** The errno code (ECONNREFUSED, ...) somewhere in an error's cause chain. */
function errnoCode(err: unknown): string | undefined {
  return findInCauseChain(err, (e) =>
    typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined,
  );
}

/** A timer that aborts a controller after `ms` of silence; every `touch()` restarts it. */
class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  fired = false;
  constructor(
    private readonly controller: AbortController,
    private ms: number,
  ) {
    this.touch();
  }
  touch(ms?: number): void {
    if (ms !== undefined) this.ms = ms;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
  }
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

interface Sent {
  readonly res: Response;
  readonly watchdog: Watchdog;
  readonly url: string;
}

/** Counts and hashes the bytes of a blob as they pass, and stops a body that outgrows its descriptor. */
class VerifyingTransform extends Transform {
  readonly hash: Hash;
  bytes = 0;
  constructor(
    algorithm: 'sha256' | 'sha512',
    private readonly expectedSize: number | undefined,
    private readonly onChunk: (n: number) => void,
  ) {
    super();
    this.hash = createHash(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      cb(new SizeExceeded());
      return;
    }
    this.hash.update(chunk);
    this.onChunk(chunk.length);
    cb(null, chunk);
  }
}

class SizeExceeded extends Error {}

/**
 * One registry, one set of credentials. Tokens are kept per repository for the client's lifetime
 * (and their `expires_in`), so make a client per pull.
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly requestTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  /** Authorization header values by repository ('' for registry-wide Basic auth). */
  private readonly authorization = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    readonly registry: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    const scheme = options.insecure || isLoopbackRegistry(registry) ? 'http' : 'https';
    this.baseUrl = `${scheme}://${registryApiHost(registry)}`;
    this.fetchFn = options.fetch ?? fetch;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  }

  /** GET a manifest by tag or digest; verifies the bytes against the digest when one was asked for. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `${this.registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const sent = await this.send(
      repository,
      `/v2/${repository}/manifests/${reference}`,
      MANIFEST_ACCEPT,
      what,
    );
    let body: Buffer;
    try {
      const length = Number(sent.res.headers.get('content-length') ?? '0');
      if (length > MAX_MANIFEST_BYTES) {
        throw new ImageError(
          'image/unsupported',
          `the manifest of ${what} is larger than ${MAX_MANIFEST_BYTES} bytes`,
        );
      }
      body = await this.readSmallBody(sent, MAX_MANIFEST_BYTES, what);
    } finally {
      sent.watchdog.clear();
    }
    let digest: string;
    if (reference.includes(':')) {
      const { algorithm } = digestParts(reference);
      digest = digestOf(body, algorithm);
      if (digest !== reference) {
        throw new ImageError(
          'image/digest_mismatch',
          `the manifest of ${what} does not match its digest (got ${digest})`,
          {
            expected: reference,
            actual: digest,
          },
        );
      }
    } else {
      digest = digestOf(body);
      const header = sent.res.headers.get('docker-content-digest');
      if (header?.startsWith('sha256:') && header !== digest) {
        throw new ImageError(
          'image/digest_mismatch',
          `the manifest of ${what} does not match the digest the registry announced (${header}, got ${digest})`,
          { expected: header, actual: digest },
        );
      }
    }
    const parsed = parseManifest(body, sent.res.headers.get('content-type'));
    return { digest, mediaType: parsed.mediaType, body, parsed };
  }

  /** The image manifest a reference names, an index resolved to the target platform. */
  async resolve(ref: ImageReference): Promise<ResolvedImage> {
    let fetched = await this.getManifest(ref.repository, manifestReference(ref));
    let indexDigest: string | undefined;
    // an index may (rarely) point at another index; follow two levels at most
    for (let depth = 0; fetched.parsed.kind === 'index'; depth++) {
      if (depth >= 2)
        throw new ImageError('image/unsupported', 'the image index nests more than two levels deep');
      indexDigest ??= fetched.digest;
      const entry = selectPlatform(fetched.parsed.index, this.options.platform ?? TARGET_PLATFORM);
      fetched = await this.getManifest(ref.repository, entry.digest);
    }
    return {
      digest: fetched.digest,
      indexDigest,
      mediaType: fetched.mediaType,
      manifest: fetched.parsed.manifest,
      body: fetched.body,
    };
  }

  /** A small blob (the image config) into memory, verified. */
  async fetchBlobBuffer(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
  ): Promise<Buffer> {
    const what = `${this.registry}/${repository}@${descriptor.digest}`;
    const { algorithm } = digestParts(descriptor.digest);
    const sent = await this.send(repository, `/v2/${repository}/blobs/${descriptor.digest}`, '*/*', what);
    let body: Buffer;
    try {
      body = await this.readSmallBody(sent, descriptor.size, what, true);
    } finally {
      sent.watchdog.clear();
    }
    const actual = digestOf(body, algorithm);
    if (actual !== descriptor.digest || body.length !== descriptor.size) {
      throw new ImageError(
        'image/digest_mismatch',
        `blob ${what} does not match its digest (got ${actual}, ${body.length} bytes)`,
        {
          expected: descriptor.digest,
          actual,
        },
      );
    }
    return body;
  }

  /**
   * Streams a blob to `dest`, hashing as it goes. A digest or size mismatch, or any failure, removes
   * the partial file. `onBytes` is told of every chunk written.
   */
  async fetchBlob(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    dest: string,
    onBytes?: (n: number) => void,
  ): Promise<void> {
    const what = `${this.registry}/${repository}@${descriptor.digest}`;
    const { algorithm } = digestParts(descriptor.digest);
    const sent = await this.send(repository, `/v2/${repository}/blobs/${descriptor.digest}`, '*/*', what);
    sent.watchdog.touch(this.idleTimeoutMs);
    const verify = new VerifyingTransform(algorithm, descriptor.size, (n) => {
      sent.watchdog.touch();
      onBytes?.(n);
    });
    try {
      if (!sent.res.body)
        throw new ImageError('image/registry_unreachable', `the registry sent no body for ${what}`);
      await pipeline(
        Readable.fromWeb(sent.res.body as WebReadableStream<Uint8Array>),
        verify,
        createWriteStream(dest, { mode: 0o644 }),
      );
      const actual = `${algorithm}:${verify.hash.digest('hex')}`;
      if (actual !== descriptor.digest || verify.bytes !== descriptor.size) {
        throw new ImageError(
          'image/digest_mismatch',
          `blob ${what} does not match its digest (got ${actual}, ${verify.bytes} of ${descriptor.size} bytes)`,
          { expected: descriptor.digest, actual },
        );
      }
    } catch (err) {
      await unlink(dest).catch(() => undefined);
      if (isImageError(err)) throw err;
      if (err instanceof SizeExceeded) {
        throw new ImageError(
          'image/digest_mismatch',
          `blob ${what} is larger than its descriptor's ${descriptor.size} bytes`,
          {
            expected: descriptor.digest,
          },
        );
      }
      if (sent.watchdog.fired) {
        throw new ImageError(
          'image/registry_unreachable',
          `the registry went silent while sending ${what}`,
          undefined,
          {
            cause: err,
          },
        );
      }
      throw new ImageError(
        'image/registry_unreachable',
        `the download of ${what} failed: ${describe(err)}`,
        undefined,
        {
          cause: err,
        },
      );
    } finally {
      sent.watchdog.clear();
    }
  }

  private async readSmallBody(sent: Sent, max: number, what: string, exact = false): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      if (!sent.res.body) return Buffer.alloc(0);
      for await (const chunk of sent.res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.length;
        if (total > max) {
          await sent.res.body.cancel().catch(() => undefined);
          throw exact
            ? new ImageError('image/digest_mismatch', `${what} is larger than its descriptor's ${max} bytes`)
            : new ImageError('image/unsupported', `${what} is larger than ${max} bytes`);
        }
        chunks.push(Buffer.from(chunk));
        sent.watchdog.touch(this.idleTimeoutMs);
      }
    } catch (err) {
      if (isImageError(err)) throw err;
      throw new ImageError(
        'image/registry_unreachable',
        `reading ${what} failed: ${describe(err)}`,
        undefined,
        { cause: err },
      );
    }
    return Buffer.concat(chunks);
  }

  /**
   * GET with the repository's credentials; on a 401, answers the challenge once and retries.
   * Returns a 2xx response whose body the caller must consume; maps every other outcome to an ImageError.
   */
  private async send(repository: string, path: string, accept: string, what: string): Promise<Sent> {
    let authenticated = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      const auth = this.currentAuthorization(repository);
      const sent = await this.get(`${this.baseUrl}${path}`, accept, auth, what);
      const { res } = sent;
      if (res.ok) return sent;
      try {
        if (res.status === 401 && !authenticated && attempt === 0) {
          const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate'));
          await res.body?.cancel().catch(() => undefined);
          await this.authenticate(challenges, repository, what);
          authenticated = true;
          continue;
        }
        throw await this.statusError(res, what);
      } finally {
        sent.watchdog.clear();
      }
    }
    throw new ImageError('image/unauthorized', `the registry refused access to ${what}`);
  }

  private async statusError(res: Response, what: string): Promise<ImageError> {
    const codes = await errorCodes(res);
    const details = { status: res.status, registryCodes: codes };
    if (
      codes.some((c) => c === 'MANIFEST_UNKNOWN' || c === 'NAME_UNKNOWN' || c === 'BLOB_UNKNOWN') ||
      res.status === 404
    ) {
      return new ImageError('image/not_found', `${what} was not found`, details);
    }
    if (
      res.status === 401 ||
      res.status === 403 ||
      codes.some((c) => c === 'UNAUTHORIZED' || c === 'DENIED')
    ) {
      return new ImageError(
        'image/unauthorized',
        `the registry refused access to ${what} (${res.status})`,
        details,
      );
    }
    return new ImageError(
      'image/registry_unreachable',
      `the registry answered ${res.status} for ${what}`,
      details,
    );
  }

  private currentAuthorization(repository: string): string | undefined {
    for (const key of [repository, '']) {
      const a = this.authorization.get(key);
      if (a && a.expiresAt > Date.now()) return a.value;
    }
    return undefined;
  }

  private async authenticate(challenges: AuthChallenge[], repository: string, what: string): Promise<void> {
    const creds = this.options.credentials;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const token = await this.fetchToken(bearer, repository, what);
      this.authorization.set(repository, { value: `Bearer ${token.token}`, expiresAt: token.expiresAt });
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!creds) {
        throw new ImageError('image/unauthorized', `${what} needs credentials and none were given`);
      }
      this.authorization.set('', { value: basicAuthorization(creds), expiresAt: Number.POSITIVE_INFINITY });
      return;
    }
    throw new ImageError(
      'image/unauthorized',
      challenges.length === 0
        ? `the registry refused access to ${what} without saying how to authenticate`
        : `the registry asks for an unsupported authentication scheme (${challenges.map((c) => c.scheme).join(', ')}) for ${what}`,
    );
  }

  /** The token service round trip (distribution's token.md), with Basic credentials when given. */
  private async fetchToken(
    challenge: AuthChallenge,
    repository: string,
    what: string,
  ): Promise<{ token: string; expiresAt: number }> {
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw new ImageError(
        'image/unauthorized',
        `the registry's token realm "${realm ?? ''}" is not a URL (${what})`,
      );
    }
    const creds = this.options.credentials;
    if (creds && url.protocol === 'http:' && url.host !== new URL(this.baseUrl).host) {
      // Basic credentials in clear to another host: anyone on the path, or whoever answers for that
      // name, would read the tenant's password. Plain http is tolerated only back to the registry itself.
      throw new ImageError(
        'image/insecure_realm',
        `the registry's token service ${url.origin} is another host over plain http; berth does not send the registry login there (${what})`,
        { realm: url.origin },
      );
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    const scope = challenge.params.scope ?? `repository:${repository}:pull`;
    for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const sent = await this.get(
      url.toString(),
      'application/json',
      creds ? basicAuthorization(creds) : undefined,
      'the token service',
    );
    try {
      if (sent.res.status === 401 || sent.res.status === 403) {
        await sent.res.body?.cancel().catch(() => undefined);
        throw new ImageError(
          'image/unauthorized',
          creds
            ? `the registry's token service refused the credentials for ${what}`
            : `${what} needs credentials and none were given`,
          { status: sent.res.status },
        );
      }
      if (!sent.res.ok) {
        await sent.res.body?.cancel().catch(() => undefined);
        throw new ImageError(
          'image/registry_unreachable',
          `the registry's token service answered ${sent.res.status} for ${what}`,
        );
      }
      const body = (await this.readSmallBody(sent, 1024 * 1024, 'the token response')).toString('utf8');
      let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
      try {
        json = JSON.parse(body) as typeof json;
      } catch {
        throw new ImageError(
          'image/registry_unreachable',
          `the registry's token service sent no JSON for ${what}`,
        );
      }
      const token =
        typeof json.token === 'string'
          ? json.token
          : typeof json.access_token === 'string'
            ? json.access_token
            : '';
      if (!token)
        throw new ImageError('image/unauthorized', `the registry's token service sent no token for ${what}`);
      const seconds = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
      // renew a little early
      return { token, expiresAt: Date.now() + Math.max(1, seconds - 10) * 1000 };
    } finally {
      sent.watchdog.clear();
    }
  }

  /**
   * One GET, following redirects by hand so that credentials never follow a redirect to another
   * origin (blob downloads are often redirected to object storage). The watchdog covers the wait for
   * headers; the caller clears it (or re-arms it as an idle timer for the body).
   */
  private async get(
    url: string,
    accept: string,
    authorization: string | undefined,
    what: string,
  ): Promise<Sent> {
    const controller = new AbortController();
    const watchdog = new Watchdog(controller, this.requestTimeoutMs);
    let current = url;
    let auth = authorization;
    try {
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const headers: Record<string, string> = {
          Accept: accept,
          'User-Agent': this.options.userAgent ?? 'berth-agent',
        };
        if (auth) headers.Authorization = auth;
        const res = await this.fetchFn(current, {
          method: 'GET',
          headers,
          redirect: 'manual',
          signal: controller.signal,
        });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel().catch(() => undefined);
          const next = new URL(location, current);
          if (next.origin !== new URL(current).origin) auth = undefined;
          current = next.toString();
          continue;
        }
        return { res, watchdog, url: current };
      }
      throw new ImageError('image/registry_unreachable', `too many redirects fetching ${what}`);
    } catch (err) {
      watchdog.clear();
      if (isImageError(err)) throw err;
      const refused = addressRefusal(err);
      if (refused) {
        throw new ImageError('image/registry_forbidden', `cannot pull ${what}: ${refused.message}`, {
          host: refused.host,
          address: refused.address,
        });
      }
      const code = errnoCode(err);
      if (watchdog.fired) {
        throw new ImageError(
          'image/registry_unreachable',
          `the registry ${this.registry} did not answer in time (${what})`,
          undefined,
          {
            cause: err,
          },
        );
      }
      throw new ImageError(
        'image/registry_unreachable',
        `cannot reach the registry ${this.registry}${code ? ` (${code})` : ''}: ${describe(err)}`,
        { errno: code },
        { cause: err },
      );
    }
  }
}

function basicAuthorization(creds: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
