import { isImageError } from './image-errors';
import {
  checkConfigPlatform,
  envToRecord,
  MediaType,
  parseManifest,
  selectPlatform,
  toOciManifest,
  type ImageIndex,
  type ImageManifest,
} from './oci';

const d = (c: string) => `sha256:${c.repeat(64)}`;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isImageError(e) ? e.code : 'not an ImageError';
  }
  return undefined;
}

const dockerManifest: ImageManifest = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: { mediaType: MediaType.DockerConfig, digest: d('c'), size: 10 },
  layers: [
    { mediaType: MediaType.DockerLayerGzip, digest: d('1'), size: 100 },
    { mediaType: MediaType.DockerLayerGzip, digest: d('2'), size: 200 },
  ],
};

describe('parseManifest', () => {
  const buf = (v: unknown) => Buffer.from(JSON.stringify(v));

  it('recognises an image manifest by its mediaType', () => {
    const m = parseManifest(buf(dockerManifest), 'text/plain');
    expect(m.kind).toBe('manifest');
    expect(m.mediaType).toBe(MediaType.DockerManifest);
  });

  it('falls back to the Content-Type, then to the shape', () => {
    const { mediaType: _m, ...bare } = dockerManifest;
    expect(parseManifest(buf(bare), `${MediaType.OciManifest}; charset=utf-8`).mediaType).toBe(
      MediaType.OciManifest,
    );
    const index = { schemaVersion: 2, manifests: [] };
    expect(parseManifest(buf(index), null).kind).toBe('index');
    expect(parseManifest(buf(bare), 'application/json').kind).toBe('manifest');
  });

  it('recognises indexes and Docker manifest lists', () => {
    for (const mediaType of [MediaType.OciIndex, MediaType.DockerManifestList]) {
      const m = parseManifest(buf({ schemaVersion: 2, mediaType, manifests: [] }), null);
      expect(m.kind).toBe('index');
    }
  });

  it('rejects schema 1, unknown media types, malformed JSON and descriptors', () => {
    expect(
      code(() => parseManifest(buf({ schemaVersion: 1, name: 'x' }), MediaType.DockerSchema1Signed)),
    ).toBe('image/unsupported');
    expect(code(() => parseManifest(buf({ schemaVersion: 2, mediaType: 'application/x-thing' }), null))).toBe(
      'image/unsupported',
    );
    expect(code(() => parseManifest(Buffer.from('{nope'), null))).toBe('image/unsupported');
    expect(
      code(() =>
        parseManifest(
          buf({ ...dockerManifest, layers: [{ mediaType: 'x', digest: 'md5:1', size: 1 }] }),
          null,
        ),
      ),
    ).toBe('image/unsupported');
    expect(code(() => parseManifest(buf({ ...dockerManifest, config: undefined }), null))).toBe(
      'image/unsupported',
    );
  });
});

describe('selectPlatform', () => {
  const entry = (digest: string, os: string, architecture: string, variant?: string) => ({
    mediaType: MediaType.OciManifest,
    digest,
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });

  it('picks linux/amd64', () => {
    const index: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry(d('1'), 'linux', 'arm64', 'v8'),
        entry(d('2'), 'linux', 'amd64'),
        entry(d('3'), 'windows', 'amd64'),
      ],
    };
    expect(selectPlatform(index).digest).toBe(d('2'));
  });

  it('prefers the plain amd64 entry over a variant one, and never an attestation', () => {
    const index: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        {
          ...entry(d('a'), 'linux', 'amd64'),
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
        entry(d('3'), 'linux', 'amd64', 'v3'),
        entry(d('1'), 'linux', 'amd64'),
      ],
    };
    expect(selectPlatform(index).digest).toBe(d('1'));
    expect(
      selectPlatform({ schemaVersion: 2, manifests: [entry(d('3'), 'linux', 'amd64', 'v3')] }).digest,
    ).toBe(d('3'));
  });

  it('fails with image/unsupported listing what there is', () => {
    const index: ImageIndex = { schemaVersion: 2, manifests: [entry(d('1'), 'linux', 'arm64', 'v8')] };
    expect(code(() => selectPlatform(index))).toBe('image/unsupported');
    expect(() => selectPlatform(index)).toThrow(/linux\/arm64\/v8/);
  });
});

describe('checkConfigPlatform', () => {
  it('accepts linux/amd64 and configs that do not say', () => {
    expect(() => checkConfigPlatform({ os: 'linux', architecture: 'amd64' })).not.toThrow();
    expect(() => checkConfigPlatform({})).not.toThrow();
  });
  it('rejects another architecture', () => {
    expect(code(() => checkConfigPlatform({ os: 'linux', architecture: 'arm64' }))).toBe('image/unsupported');
  });
});

describe('toOciManifest', () => {
  it('rewrites Docker media types and keeps digests and sizes', () => {
    expect(toOciManifest(dockerManifest)).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: d('c'), size: 10 },
      layers: [
        { mediaType: MediaType.OciLayerGzip, digest: d('1'), size: 100 },
        { mediaType: MediaType.OciLayerGzip, digest: d('2'), size: 200 },
      ],
    });
  });

  it('keeps OCI layers as they are (zstd included; the store decompresses it)', () => {
    const m: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: d('c'), size: 1 },
      layers: [
        { mediaType: MediaType.OciLayer, digest: d('1'), size: 1 },
        { mediaType: MediaType.OciLayerZstd, digest: d('2'), size: 1 },
      ],
    };
    expect(toOciManifest(m).layers.map((l) => l.mediaType)).toEqual([
      MediaType.OciLayer,
      MediaType.OciLayerZstd,
    ]);
  });

  it('rejects foreign layers, unknown layer types and non-image configs', () => {
    const withLayer = (mediaType: string): ImageManifest => ({
      ...dockerManifest,
      layers: [{ mediaType, digest: d('1'), size: 1 }],
    });
    expect(code(() => toOciManifest(withLayer(MediaType.DockerLayerForeign)))).toBe('image/unsupported');
    expect(code(() => toOciManifest(withLayer('application/vnd.cncf.helm.chart.content.v1.tar+gzip')))).toBe(
      'image/unsupported',
    );
    expect(
      code(() =>
        toOciManifest({
          ...dockerManifest,
          config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: d('c'), size: 1 },
        }),
      ),
    ).toBe('image/unsupported');
  });
});

describe('envToRecord', () => {
  it('splits at the first =, a later duplicate wins, entries without a name are dropped', () => {
    expect(envToRecord(['A=1', 'B=x=y', 'A=2', 'C=', 'NOEQ', '=v'])).toEqual({ A: '2', B: 'x=y', C: '' });
    expect(envToRecord(null)).toEqual({});
  });
});
