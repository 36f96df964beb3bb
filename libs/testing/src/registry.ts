import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';
import { startProcess, waitFor, type StartedProcess } from './processes';

// A real OCI registry (Debian's docker-registry, distribution 2.8) on loopback, and images built for
// it without Docker: busybox-static, umoci and skopeo (notes/microvm-on-these-machines.md section 6).

export interface RegistryUser {
  readonly user: string;
  readonly password: string;
}

export interface TestRegistry {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, the registry part of image references. */
  readonly host: string;
  /** Its storage root (filesystem driver). */
  readonly storageDir: string;
  /** The htpasswd user when the registry requires one. */
  readonly credentials: RegistryUser | undefined;
  readonly process: StartedProcess;
  /** Where the registry keeps a blob on disk (to corrupt it in a test). */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';

function need(cmd: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${cmd} is not installed: run \`bash scripts/install-deps.sh\` (or apt-get install ${pkg})`,
    );
  }
}

/**
 * Starts docker-registry on 127.0.0.1:<free port> with filesystem storage in a temp dir, deletes
 * enabled, and htpasswd (bcrypt) auth when `htpasswd` is given. Resolves once /v2/ answers.
 */
export async function startTestRegistry(opts: { htpasswd?: RegistryUser } = {}): Promise<TestRegistry> {
  need(REGISTRY_BIN, 'docker-registry');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-registry-'));
  const storageDir = path.join(dir, 'storage');
  mkdirSync(storageDir);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.htpasswd) {
    need('htpasswd', 'apache2-utils');
    // bcrypt is the only hash docker-registry accepts; cost 4 keeps each check fast
    const line = execFileSync('htpasswd', ['-nbB', '-C', '4', opts.htpasswd.user, opts.htpasswd.password])
      .toString()
      .trim();
    writeFileSync(path.join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storageDir}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '  secret: berth-test-secret',
      'health:',
      '  storagedriver:',
      '    enabled: false',
      auth,
    ].join('\n'),
  );
  const proc = startProcess(`registry-${port}`, REGISTRY_BIN, ['serve', config]);
  const url = `http://${host}`;
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  let exited = false;
  void proc.exited.then(() => (exited = true));
  try {
    await waitFor(
      `docker-registry on ${host}`,
      async () => {
        if (exited) throw new Error(`docker-registry exited: ${proc.output().slice(-2000)}`);
        const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.status === 200 || res.status === 401;
      },
      20_000,
      25,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    host,
    storageDir,
    credentials: opts.htpasswd,
    process: proc,
    blobFile: (digest) => {
      const [alg, hex] = digest.split(':');
      if (!alg || !hex) throw new Error(`not a digest: ${digest}`);
      return path.join(storageDir, 'docker', 'registry', 'v2', 'blobs', alg, hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
}

export interface TestLayer {
  /** Files to add, by absolute path in the image; content starting with '#!' is made executable. */
  readonly files?: Readonly<Record<string, string>>;
  /** Paths to delete (whiteouts). */
  readonly remove?: readonly string[];
}

export interface TestImageOptions {
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  /** Defaults to PATH=/bin:/usr/bin:/sbin:/usr/sbin. */
  readonly env?: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly user?: string;
  /** Extra files in the base layer (beside /bin/busybox and /etc). */
  readonly files?: Readonly<Record<string, string>>;
  /** More layers on top of the base one, in order. */
  readonly layers?: readonly TestLayer[];
  /** Default 'latest'. */
  readonly tag?: string;
  /** 'oci' (default) pushes OCI media types, 'v2s2' Docker schema-2 ones. */
  readonly format?: 'oci' | 'v2s2';
  /** The architecture written into the config; default amd64. */
  readonly architecture?: string;
  /** Recompress the layers while pushing (skopeo --dest-compress-format); default: as umoci made them (gzip). */
  readonly compression?: 'gzip' | 'zstd';
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

let applets: string[] | undefined;
function busyboxApplets(): string[] {
  applets ??= execFileSync('/bin/busybox', ['--list'])
    .toString()
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'busybox' && /^[\w.[-]+$/.test(s));
  return applets;
}

function writeFiles(root: string, files: Readonly<Record<string, string>>): void {
  for (const [p, content] of Object.entries(files)) {
    const dest = path.join(root, p);
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, content);
    chmodSync(dest, content.startsWith('#!') ? 0o755 : 0o644);
  }
}

/** A minimal rootfs: static busybox with its applets linked in /bin, /etc/passwd and /etc/group. */
function baseRootfs(root: string, files: Readonly<Record<string, string>> | undefined): void {
  need('/bin/busybox', 'busybox-static');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/app', 'proc', 'sys', 'dev', 'usr/bin', 'sbin']) {
    mkdirSync(path.join(root, d), { recursive: true });
  }
  chmodSync(path.join(root, 'tmp'), 0o1777);
  chmodSync(path.join(root, 'root'), 0o700);
  copyFileSync('/bin/busybox', path.join(root, 'bin', 'busybox'));
  chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  for (const a of busyboxApplets()) symlinkSync('busybox', path.join(root, 'bin', a));
  writeFileSync(
    path.join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n');
  // Static busybox still resolves names through glibc's NSS, which loads libnss_files at run time: with
  // it (and the loader it needs) a container finds its peers in /etc/hosts, as images with a libc do.
  for (const lib of [
    '/lib/x86_64-linux-gnu/libnss_files.so.2',
    '/lib/x86_64-linux-gnu/libc.so.6',
    '/lib64/ld-linux-x86-64.so.2',
  ]) {
    if (!existsSync(lib)) continue;
    mkdirSync(path.join(root, path.dirname(lib)), { recursive: true });
    copyFileSync(lib, path.join(root, lib));
  }
  writeFileSync(path.join(root, 'etc', 'nsswitch.conf'), 'hosts: files dns\n');
  if (files) writeFiles(root, files);
}

/**
 * Builds a small image from busybox-static without Docker (umoci into an OCI layout) and pushes it
 * with skopeo to `registry` as `<name>:<tag>`. Returns the reference, `127.0.0.1:<port>/<name>:<tag>`.
 * Pushes with `creds`, or the registry's own htpasswd user.
 */
export async function buildTestImage(
  registry: Pick<TestRegistry, 'host'> & { credentials?: RegistryUser | undefined },
  name: string,
  opts: TestImageOptions = {},
  creds?: RegistryUser,
): Promise<string> {
  need('umoci', 'umoci');
  need('skopeo', 'skopeo');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-image-'));
  const rootless = process.getuid?.() !== 0 ? ['--rootless'] : [];
  try {
    const layout = path.join(dir, 'layout');
    const image = `${layout}:latest`;
    const rootfs = path.join(dir, 'rootfs');
    baseRootfs(rootfs, opts.files);
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', image]);
    await run('umoci', ['insert', ...rootless, '--image', image, rootfs, '/']);
    for (const [i, layer] of (opts.layers ?? []).entries()) {
      if (layer.files && Object.keys(layer.files).length > 0) {
        const src = path.join(dir, `layer-${i}`);
        mkdirSync(src);
        writeFiles(src, layer.files);
        await run('umoci', ['insert', ...rootless, '--image', image, src, '/']);
      }
      for (const p of layer.remove ?? []) {
        await run('umoci', ['insert', ...rootless, '--image', image, '--whiteout', p]);
      }
    }
    const env = opts.env ?? { PATH: '/bin:/usr/bin:/sbin:/usr/sbin' };
    const config = [
      ...(opts.cmd ?? []).map((c) => `--config.cmd=${c}`),
      ...(opts.entrypoint ?? []).map((c) => `--config.entrypoint=${c}`),
      ...Object.entries(env).map(([k, v]) => `--config.env=${k}=${v}`),
      ...(opts.workdir !== undefined ? [`--config.workingdir=${opts.workdir}`] : []),
      ...(opts.user !== undefined ? [`--config.user=${opts.user}`] : []),
      ...(opts.architecture !== undefined ? [`--architecture=${opts.architecture}`] : []),
    ];
    if (config.length > 0) await run('umoci', ['config', '--image', image, ...config]);

    const policy = path.join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const push = creds ?? registry.credentials;
    const reference = `${registry.host}/${name}:${opts.tag ?? 'latest'}`;
    await run('skopeo', [
      '--policy',
      policy,
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      ...(push ? ['--dest-creds', `${push.user}:${push.password}`] : []),
      ...(opts.format === 'v2s2' ? ['--format', 'v2s2'] : []),
      ...(opts.compression ? ['--dest-compress', '--dest-compress-format', opts.compression] : []),
      `oci:${image}`,
      `docker://${reference}`,
    ]);
    return reference;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function authHeader(creds: RegistryUser | undefined): Record<string, string> {
  return creds
    ? { Authorization: `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}` }
    : {};
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** A manifest as the registry serves it: its digest, media type, size and parsed body. */
export async function getTestManifest(
  registry: Pick<TestRegistry, 'url' | 'credentials'>,
  name: string,
  reference: string,
): Promise<{ digest: string; mediaType: string; size: number; body: any }> {
  const res = await fetch(`${registry.url}/v2/${name}/manifests/${reference}`, {
    headers: { Accept: MANIFEST_TYPES, ...authHeader(registry.credentials) },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET manifest ${name}:${reference}: ${res.status} ${text}`);
  return {
    digest: res.headers.get('docker-content-digest') ?? '',
    mediaType: (res.headers.get('content-type') ?? '').split(';')[0] ?? '',
    size: Buffer.byteLength(text),
    body: JSON.parse(text),
  };
}

/**
 * Pushes a multi-platform index `<name>:<tag>` whose entries are manifests already in the
 * repository (by tag), each labelled with the platform given. Returns the reference.
 */
export async function pushTestIndex(
  registry: Pick<TestRegistry, 'url' | 'host' | 'credentials'>,
  name: string,
  tag: string,
  entries: readonly { tag: string; platform: { os: string; architecture: string; variant?: string } }[],
  opts: { format?: 'oci' | 'docker' } = {},
): Promise<string> {
  const manifests = [];
  for (const e of entries) {
    const m = await getTestManifest(registry, name, e.tag);
    manifests.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: e.platform });
  }
  const mediaType =
    opts.format === 'docker'
      ? 'application/vnd.docker.distribution.manifest.list.v2+json'
      : 'application/vnd.oci.image.index.v1+json';
  const body = JSON.stringify({ schemaVersion: 2, mediaType, manifests });
  const res = await fetch(`${registry.url}/v2/${name}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType, ...authHeader(registry.credentials) },
    body,
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`PUT index ${name}:${tag}: ${res.status} ${text}`);
  return `${registry.host}/${name}:${tag}`;
}
