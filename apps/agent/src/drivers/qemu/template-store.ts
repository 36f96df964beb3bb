import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Accel } from './qemu-args';

/**
 * Everything a clone must share with its template (docs/vm-templates.md, "The template key"): the
 * kernel and init it booted, its size, and its device layout (microvm has no hotplug).
 */
export interface TemplateLayout {
  readonly kernel: string;
  readonly initrd: string;
  readonly accel: Accel;
  readonly tscKhz?: number;
  readonly memoryMib: number;
  readonly vcpu: number;
  /** Each disk slot's read-only flag, in order (the flag is a virtio feature the guest negotiated). */
  readonly disks: readonly boolean[];
  readonly nics: number;
}

/** Which build of a file: a rebuilt kernel or init gets new templates without anyone deleting the old. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A template ready to clone. */
export interface Template {
  readonly key: string;
  /** The guest RAM, mapped copy-on-write by each clone. */
  readonly memoryFile: string;
  /** QEMU's device state, loaded by each clone with migrate-incoming. */
  readonly stateFile: string;
}

export const TEMPLATE_MEMORY = 'memory';
export const TEMPLATE_STATE = 'state';
/** Written last: a template is ready exactly when its manifest exists. */
const MANIFEST = 'template.json';
const BUILDING = '.building';

/** What a ready template's manifest says. */
export interface TemplateManifest {
  readonly key: string;
  readonly layout: TemplateLayout;
  readonly builtAt: string;
}

/** The key of a layout, given the identities of its kernel and init. Pure. */
export function templateKey(layout: TemplateLayout, kernel: FileIdentity, initrd: FileIdentity): string {
  const material = JSON.stringify({
    // 2: placeholder disks of PLACEHOLDER_DISK_BYTES (1: empty ones, re-probed by each clone).
    v: 2,
    layout: { ...layout, tscKhz: layout.tscKhz ?? null },
    kernel: [kernel.size, kernel.mtimeMs],
    initrd: [initrd.size, initrd.mtimeMs],
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 20);
}

async function fileIdentity(file: string): Promise<FileIdentity> {
  const s = await stat(file);
  return { size: s.size, mtimeMs: s.mtimeMs };
}

/**
 * The host's templates, one directory per key under `dir` (on tmpfs: clones map the RAM file). A build
 * works in `<key>.building` and is renamed into place with its manifest, so a crash mid-build never
 * leaves something that looks ready.
 */
export class TemplateStore {
  constructor(readonly dir: string) {}

  async keyOf(layout: TemplateLayout): Promise<string> {
    return templateKey(layout, await fileIdentity(layout.kernel), await fileIdentity(layout.initrd));
  }

  /** The ready template of `key`, or null. */
  async ready(key: string): Promise<Template | null> {
    const dir = path.join(this.dir, key);
    try {
      await readFile(path.join(dir, MANIFEST), 'utf8');
    } catch {
      return null;
    }
    return { key, memoryFile: path.join(dir, TEMPLATE_MEMORY), stateFile: path.join(dir, TEMPLATE_STATE) };
  }

  /** Every ready template, by its manifest (a directory without a readable one is not a template). */
  async list(): Promise<TemplateManifest[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: TemplateManifest[] = [];
    for (const name of names.filter((n) => !n.endsWith(BUILDING))) {
      try {
        const m = JSON.parse(await readFile(path.join(this.dir, name, MANIFEST), 'utf8')) as TemplateManifest;
        if (m.key === name) out.push(m);
      } catch {
        // not a template (or a half one a crash left): nothing to list
      }
    }
    return out;
  }

  /** Removes the build directories a previous agent left (only when no build of this one runs). */
  async removeHalfBuilds(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith(BUILDING)))
      await rm(path.join(this.dir, name), { recursive: true, force: true });
  }

  /** A fresh, empty directory to build the template of `key` in. */
  async startBuild(key: string): Promise<string> {
    const dir = this.buildingDir(key);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Makes the build of `key` the ready template (replacing any older one). */
  async commit(key: string, layout: TemplateLayout): Promise<Template> {
    const building = this.buildingDir(key);
    await writeFile(
      path.join(building, MANIFEST),
      JSON.stringify({ key, layout, builtAt: new Date().toISOString() } satisfies TemplateManifest),
    );
    await this.discard(key);
    await rename(building, path.join(this.dir, key));
    const t = await this.ready(key);
    if (!t) throw new Error(`template ${key} vanished right after it was built`);
    return t;
  }

  /** Forgets the template of `key` (clones running from it keep their mapping of its RAM). */
  async discard(key: string): Promise<void> {
    await rm(path.join(this.dir, key), { recursive: true, force: true });
  }

  async abandonBuild(key: string): Promise<void> {
    await rm(this.buildingDir(key), { recursive: true, force: true });
  }

  private buildingDir(key: string): string {
    return path.join(this.dir, `${key}${BUILDING}`);
  }
}
