import type { HostTemplateView } from '@berth/contracts';
import { buildTemplate } from './template-builder';
import { TemplateStore, type Template, type TemplateLayout } from './template-store';

export interface TemplateManagerOptions {
  readonly dir: string;
  readonly qemuBinary: string;
  /** From a build's QEMU start to the template point (a cold boot, slower under load). */
  readonly buildTimeoutMs: number;
  /** Built ahead of demand: at start-up, and again whenever a kernel or init change gives them new keys. */
  readonly prebuild: readonly TemplateLayout[];
  readonly log: (message: string) => void;
  /** How long a layout whose build failed waits before a start asks for it again. */
  readonly retryAfterMs?: number;
  /** How often the manager looks for a changed kernel or init (a stat of each). */
  readonly refreshIntervalMs?: number;
}

/** What the host reports about each of its templates (GET /v1/admin/hosts): the contract's view. */
export type TemplateStatus = HostTemplateView;

interface Entry {
  layout: TemplateLayout;
  state: TemplateStatus['state'];
  builtAt: string | null;
  clones: number;
  error: string | null;
  failedAt: number;
}

const RETRY_AFTER_MS = 60_000;
const REFRESH_INTERVAL_MS = 30_000;
/** Logged once the templates start-up asked for are all ready (test stacks wait for it). */
export const PREBUILT_READY_LINE = 'prebuilt templates ready';

/**
 * Owns a host's VM templates (docs/vm-templates.md): which exist, which are being built, which are
 * stale. Builds run one at a time in the background, so that a build (a cold boot, a core's worth of
 * work under TCG) never competes with another, and never delays a container: a start whose template
 * is not ready boots cold and asks for the template. A template is stale when its key is not what its
 * layout gives today (its kernel or init was rebuilt); stale ones are removed (pruned), and the
 * prebuilt layouts are built again under their new keys (refresh()).
 */
export class TemplateManager {
  readonly store: TemplateStore;
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<void> = Promise.resolve();
  /** Keys queued or being built. */
  private readonly pending = new Set<string>();
  private readonly closing = new AbortController();
  private refresher: NodeJS.Timeout | null = null;

  constructor(private readonly opts: TemplateManagerOptions) {
    this.store = new TemplateStore(opts.dir);
  }

  /**
   * At start-up: forgets half builds a previous agent left, removes stale templates, takes in the
   * ready ones, and queues the prebuilt layouts that have none. Returns once that is queued; the
   * builds go on in the background.
   */
  async start(): Promise<void> {
    await this.store.removeHalfBuilds();
    await this.refresh();
    // Once the builds start-up queued are over, say whether every prebuilt template is ready.
    this.queue = this.queue.then(async () => {
      if (await this.prebuiltReady()) this.opts.log(PREBUILT_READY_LINE);
    });
    this.refresher = setInterval(() => {
      this.refresh().catch((err: unknown) => this.opts.log(`templates not refreshed: ${String(err)}`));
    }, this.opts.refreshIntervalMs ?? REFRESH_INTERVAL_MS);
    this.refresher.unref();
  }

  /** Removes stale templates and queues builds of prebuilt layouts whose current key has no template. */
  async refresh(): Promise<void> {
    for (const t of await this.store.list()) {
      if ((await this.store.keyOf(t.layout).catch(() => null)) !== t.key) {
        await this.store.discard(t.key);
        this.entries.delete(t.key);
        this.opts.log(`template ${t.key} is stale (its kernel or init changed): removed`);
      } else if (!this.entries.has(t.key)) {
        this.entries.set(t.key, { ...fresh(t.layout), state: 'ready', builtAt: t.builtAt });
      }
    }
    for (const layout of this.opts.prebuild) {
      const key = await this.store.keyOf(layout);
      if (!(await this.store.ready(key))) this.request(key, layout);
    }
  }

  /** Whether every prebuilt layout has a ready template under its current key. */
  private async prebuiltReady(): Promise<boolean> {
    for (const layout of this.opts.prebuild)
      if (!(await this.store.ready(await this.store.keyOf(layout)).catch(() => null))) return false;
    return true;
  }

  /** The ready template of `layout`, counted as cloned; or null, and its build is asked for. */
  async templateFor(layout: TemplateLayout): Promise<Template | null> {
    const key = await this.store.keyOf(layout);
    const ready = await this.store.ready(key);
    if (!ready) {
      this.request(key, layout);
      return null;
    }
    const entry = this.entries.get(key) ?? { ...fresh(layout), state: 'ready' as const };
    entry.clones++;
    this.entries.set(key, entry);
    return ready;
  }

  /** Forgets a template that did not restore, and builds it again. */
  async discard(key: string, why: string): Promise<void> {
    await this.store.discard(key);
    const entry = this.entries.get(key);
    if (!entry) return;
    Object.assign(entry, { state: 'failed', error: `did not restore: ${why}`, failedAt: 0 });
    this.request(key, entry.layout);
  }

  status(): TemplateStatus[] {
    return [...this.entries.entries()].map(([key, e]) => ({
      key,
      state: e.state,
      vcpu: e.layout.vcpu,
      memoryMib: e.layout.memoryMib,
      disks: e.layout.disks.length,
      nics: e.layout.nics,
      builtAt: e.builtAt,
      clones: e.clones,
      error: e.error,
    }));
  }

  /** Whether a build is queued or under way (its QEMU is ours, not an orphan). */
  get building(): boolean {
    return this.pending.size > 0;
  }

  /** Abandons queued builds and kills the one under way; resolves when none runs. */
  async close(): Promise<void> {
    if (this.refresher) clearInterval(this.refresher);
    this.closing.abort();
    await this.settled();
  }

  /** Resolves once no build is queued or under way (tests, and close()). */
  async settled(): Promise<void> {
    for (let q = this.queue; ; q = this.queue) {
      await q;
      if (q === this.queue) return;
    }
  }

  /** Queues a build of `key` unless one is pending, the agent is closing, or it failed a moment ago. */
  private request(key: string, layout: TemplateLayout): void {
    const entry = this.entries.get(key);
    const retryAfter = this.opts.retryAfterMs ?? RETRY_AFTER_MS;
    if (this.pending.has(key) || this.closing.signal.aborted) return;
    if (entry?.state === 'failed' && Date.now() - entry.failedAt < retryAfter) return;
    this.pending.add(key);
    this.entries.set(key, { ...(entry ?? fresh(layout)), layout, state: 'building', error: null });
    this.queue = this.queue.then(() => this.build(key, layout)).finally(() => this.pending.delete(key));
  }

  private async build(key: string, layout: TemplateLayout): Promise<void> {
    const entry = this.entries.get(key) ?? fresh(layout);
    this.entries.set(key, entry);
    const t0 = Date.now();
    try {
      if (this.closing.signal.aborted) throw new Error('the agent is closing');
      await buildTemplate({
        store: this.store,
        key,
        layout,
        qemuBinary: this.opts.qemuBinary,
        timeoutMs: this.opts.buildTimeoutMs,
        signal: this.closing.signal,
      });
      Object.assign(entry, { state: 'ready', builtAt: new Date().toISOString(), error: null });
      this.opts.log(
        `template ${key} built in ${Date.now() - t0} ms (${layout.memoryMib} MiB, ${layout.vcpu} vCPU, ${layout.disks.length} disks, ${layout.nics} NICs)`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      Object.assign(entry, { state: 'failed', error: message, failedAt: Date.now() });
      this.opts.log(`template ${key} was not built: ${message}`);
    }
  }
}

function fresh(layout: TemplateLayout): Entry {
  return { layout, state: 'building', builtAt: null, clones: 0, error: null, failedAt: 0 };
}
