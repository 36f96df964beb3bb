// OCI image-spec and Docker image manifest shapes: what the registry client accepts, how an index
// is resolved to linux/amd64, and how a Docker schema-2 manifest is rewritten with OCI media types.
import { ImageError } from './image-errors';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerLayerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** The Accept header for manifest requests, most wanted first. */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
].join(', ');

export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaType.OciIndex,
  MediaType.DockerManifestList,
]);
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaType.OciManifest,
  MediaType.DockerManifest,
]);

/** Layer media types and the OCI one each becomes in the layout given to umoci. */
const LAYER_TO_OCI: Readonly<Record<string, string>> = {
  [MediaType.OciLayer]: MediaType.OciLayer,
  [MediaType.OciLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.OciLayerZstd]: MediaType.OciLayerZstd,
  [MediaType.OciLayerNondistributable]: MediaType.OciLayer,
  [MediaType.OciLayerNondistributableGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
};

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly 'os.version'?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly manifests: readonly Descriptor[];
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The parts of the image config (OCI image-spec config.md, same for Docker) that berth reads. */
export interface ImageConfigFile {
  readonly architecture?: string;
  readonly os?: string;
  readonly variant?: string;
  readonly config?: {
    readonly User?: string;
    readonly Env?: readonly string[] | null;
    readonly Entrypoint?: readonly string[] | null;
    readonly Cmd?: readonly string[] | null;
    readonly WorkingDir?: string;
    readonly Labels?: Readonly<Record<string, string>> | null;
    readonly StopSignal?: string;
    readonly ExposedPorts?: Readonly<Record<string, unknown>> | null;
  } | null;
  readonly rootfs?: { readonly type: string; readonly diff_ids: readonly string[] };
}

export const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

function unsupported(message: string, details?: Record<string, unknown>): ImageError {
  return new ImageError('image/unsupported', message, details);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  if (
    !isRecord(d) ||
    typeof d.mediaType !== 'string' ||
    typeof d.digest !== 'string' ||
    typeof d.size !== 'number' ||
    !Number.isSafeInteger(d.size) ||
    d.size < 0
  ) {
    throw unsupported(`the ${what} descriptor is malformed`);
  }
  if (!DIGEST_RE.test(d.digest))
    throw unsupported(`the ${what} digest "${String(d.digest)}" is not supported`);
  return d as unknown as Descriptor;
}

/**
 * Reads a manifest body and tells an index from an image manifest. `contentType` is the response's
 * Content-Type, used when the body has no mediaType field (allowed by the OCI spec).
 */
export function parseManifest(
  body: Buffer,
  contentType: string | null,
):
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw unsupported('the registry sent a manifest that is not JSON');
  }
  if (!isRecord(json)) throw unsupported('the registry sent a manifest that is not a JSON object');
  const headerType = contentType?.split(';')[0]?.trim().toLowerCase();
  let mediaType = typeof json.mediaType === 'string' ? json.mediaType : headerType;
  if (mediaType === undefined || mediaType === '' || mediaType === 'application/json') {
    // OCI allows an absent mediaType: tell by shape
    mediaType = Array.isArray(json.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  }
  if (
    mediaType === MediaType.DockerSchema1 ||
    mediaType === MediaType.DockerSchema1Signed ||
    json.schemaVersion === 1
  ) {
    throw unsupported(
      'Docker schema-1 manifests are not supported; push the image again with a current client',
      {
        mediaType,
      },
    );
  }
  if (json.schemaVersion !== 2)
    throw unsupported(`manifest schemaVersion ${String(json.schemaVersion)} is not supported`);
  if (INDEX_MEDIA_TYPES.has(mediaType)) {
    if (!Array.isArray(json.manifests)) throw unsupported('the image index has no manifests list');
    json.manifests.forEach((m, i) => checkDescriptor(m, `index entry ${i}`));
    return { kind: 'index', mediaType, index: json as unknown as ImageIndex };
  }
  if (MANIFEST_MEDIA_TYPES.has(mediaType)) {
    checkDescriptor(json.config, 'config');
    if (!Array.isArray(json.layers)) throw unsupported('the image manifest has no layers list');
    json.layers.forEach((l, i) => checkDescriptor(l, `layer ${i}`));
    return { kind: 'manifest', mediaType, manifest: json as unknown as ImageManifest };
  }
  throw unsupported(`manifest media type "${mediaType}" is not supported`, { mediaType });
}

/** The platform this agent runs images for. */
export const TARGET_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

function describePlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * Picks the linux/amd64 entry of an index (an amd64 entry without variant, or variant v1, before
 * others). Attestation entries (platform unknown/unknown) are never picked.
 */
export function selectPlatform(index: ImageIndex, target: Platform = TARGET_PLATFORM): Descriptor {
  const candidates = index.manifests.filter(
    (m) =>
      m.platform?.os === target.os &&
      m.platform.architecture === target.architecture &&
      m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
  const best = candidates.find((m) => !m.platform?.variant || m.platform.variant === 'v1') ?? candidates[0];
  if (!best) {
    const available = [...new Set(index.manifests.map((m) => describePlatform(m.platform)))];
    throw unsupported(
      `the image has no ${describePlatform(target)} variant (it has: ${available.join(', ') || 'none'})`,
      { available },
    );
  }
  return best;
}

/** Fails with image/unsupported when the image config names a platform other than linux/amd64. */
export function checkConfigPlatform(config: ImageConfigFile, target: Platform = TARGET_PLATFORM): void {
  if (
    (config.os && config.os !== target.os) ||
    (config.architecture && config.architecture !== target.architecture)
  ) {
    throw unsupported(
      `the image is built for ${config.os ?? '?'}/${config.architecture ?? '?'}, not ${describePlatform(target)}`,
    );
  }
}

/**
 * The manifest as umoci wants it: OCI media types for the manifest, config and layers, and the same
 * blobs (the layer bytes and the config bytes are untouched, so their digests stay valid). A Docker
 * schema-2 manifest therefore gets a new manifest digest, used only inside the local layout.
 */
export function toOciManifest(manifest: ImageManifest): ImageManifest {
  const layers = manifest.layers.map((l, i) => {
    const mediaType = LAYER_TO_OCI[l.mediaType];
    if (!mediaType) {
      throw unsupported(
        l.mediaType === MediaType.DockerLayerForeign
          ? 'the image has a foreign (Windows) layer'
          : `layer ${i} has the unsupported media type "${l.mediaType}"`,
        { mediaType: l.mediaType },
      );
    }
    return { mediaType, digest: l.digest, size: l.size };
  });
  if (
    manifest.config.mediaType !== MediaType.OciConfig &&
    manifest.config.mediaType !== MediaType.DockerConfig
  ) {
    throw unsupported(`the config media type "${manifest.config.mediaType}" is not an image config`, {
      mediaType: manifest.config.mediaType,
    });
  }
  return {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: manifest.config.digest, size: manifest.config.size },
    layers,
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
}

/** Lists `KEY=VALUE` entries as a record; a later duplicate wins, as in execve's environment handling by shells. */
export function envToRecord(env: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}
