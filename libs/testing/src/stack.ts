import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, requiredEnv } from './databases';
import { freePort } from './free-port';
import { addNetns, deleteNetns, sh } from './netns';
import { TestHttpClient } from './http-client';
import { startProcess, waitFor, type StartedProcess } from './processes';

/** The repository root, whether this runs from source (jest) or compiled into dist/ (benchmarks). */
function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error('cannot find the repository root');
}

const ROOT = repoRoot();
const API_MAIN = path.join(ROOT, 'dist/apps/api/src/main.js');
const AGENT_MAIN = path.join(ROOT, 'dist/apps/agent/src/main.js');
const BILLING_MAIN = path.join(ROOT, 'dist/apps/billing/src/main.js');

/**
 * Limits no suite reaches unless it means to: a suite about quotas or rate limits sets its own in the
 * stack's env (which wins). The floating-IP quota keeps berth's default (5): suites rely on it.
 */
export const GENEROUS_LIMITS: Readonly<Record<string, string>> = {
  BERTH_RATE_LIMIT_PER_S: '1000000',
  BERTH_RATE_LIMIT_BURST: '1000000',
  BERTH_RATE_LIMIT_ANON_PER_S: '1000000',
  BERTH_RATE_LIMIT_ANON_BURST: '1000000',
  BERTH_RATE_LIMIT_AUTH_FAILURES_PER_MIN: '1000000',
  BERTH_RATE_LIMIT_AUTH_FAILURES_BURST: '1000000',
  BERTH_QUOTA_CONTAINERS: '100000',
  BERTH_QUOTA_VCPUS: '100000',
  BERTH_QUOTA_MEMORY_MIB: '100000000',
  BERTH_QUOTA_VOLUME_GB: '100000000',
  BERTH_QUOTA_SNAPSHOTS: '100000',
  BERTH_QUOTA_NETWORKS: '100000',
};

export interface AgentOptions {
  readonly name: string;
  /**
   * Control-plane suites run the `hollow` simulation (the default here); real-VM suites pass `qemu`
   * and the guest kernel and initramfs (see `guestAssets()`).
   */
  readonly driver?: 'hollow' | 'qemu';
  readonly env?: Record<string, string>;
  /**
   * With VM templates on (the agent's default; `BERTH_VM_TEMPLATES=off` in the test's environment
   * turns them off for every agent), wait until the agent's prebuilt templates are ready, so that the
   * suite's microVMs start as clones (true, the default) or not (false: the first ones boot cold).
   */
  readonly awaitTemplates?: boolean;
}

/** What test agents prebuild: the size most suites use (the agent's config says in which layouts). */
const TEST_PREBUILD = { BERTH_VM_TEMPLATES_PREBUILD: 's1' };
/** What the agent's template manager logs once every template it prebuilds is ready. */
const PREBUILT_READY_LINE = 'prebuilt templates ready';

/** Whether the tests' agents use VM templates: on, as in production, unless the run says off. */
export function testVmTemplates(): 'on' | 'off' {
  return process.env.BERTH_VM_TEMPLATES === 'off' ? 'off' : 'on';
}

export interface RunningAgent {
  readonly name: string;
  readonly stateDir: string;
  process: StartedProcess;
}

/**
 * A real berth stack for one test file: its own database (copied from the migrated template), its
 * own queue prefix in the shared test Redis, the compiled API and agents as separate processes.
 * `stop()` ends every process it started, by pid, and drops the database.
 */
export class TestStack {
  readonly operatorToken = `op_${randomBytes(24).toString('hex')}`;
  readonly joinToken = `join_${randomBytes(24).toString('hex')}`;
  readonly queuePrefix = `t${randomBytes(4).toString('hex')}`;
  readonly agents = new Map<string, RunningAgent>();
  /** Network namespaces made for agents' hosts, removed by stop(). */
  private readonly namespaces: string[] = [];
  api!: StartedProcess;
  /** More API processes on the same database and Redis, started by startApi(). */
  readonly extraApis: StartedProcess[] = [];
  /** The billing worker, once startBilling() ran. */
  billing: StartedProcess | null = null;
  apiUrl = '';
  databaseUrl = '';
  private dropDatabase: () => Promise<void> = () => Promise.resolve();
  private readonly stateRoot = mkdtempSync(path.join(tmpdir(), 'berth-agents-'));
  /** The agents' VM templates, on tmpfs as in production (a directory per agent), removed by stop(). */
  private readonly templatesRoot = mkdtempSync('/dev/shm/berth-test-templates-');

  constructor(
    readonly label: string,
    private readonly apiEnv: Record<string, string> = {},
    /** Node's own flags for the API processes (a benchmark's `--cpu-prof`, which NODE_OPTIONS refuses). */
    private readonly apiNodeArgs: readonly string[] = [],
  ) {}

  /** The operator's Redis URL (with its credentials): the API's, and the tests' own. */
  get redisUrl(): string {
    return requiredEnv('BERTH_TEST_REDIS_URL');
  }

  /** Where Redis is, without credentials: all an agent is told (it connects as its own user). */
  get redisAddress(): string {
    const url = new URL(this.redisUrl);
    url.username = '';
    url.password = '';
    return url.toString();
  }

  get operator(): TestHttpClient {
    return new TestHttpClient(this.apiUrl, this.operatorToken);
  }

  anonymous(): TestHttpClient {
    return new TestHttpClient(this.apiUrl);
  }

  async start(): Promise<this> {
    const db = await createTestDatabase();
    this.databaseUrl = db.url;
    this.dropDatabase = db.drop;
    const { url, process: api } = await this.spawnApi(`${this.label}-api`);
    this.apiUrl = url;
    this.api = api;
    return this;
  }

  /**
   * Another API process on this stack's database, Redis and queue prefix (as a deployment runs
   * several behind a load balancer), with the same env plus `env`. Stopped by stop().
   */
  async startApi(env: Record<string, string> = {}): Promise<{ url: string; process: StartedProcess }> {
    const started = await this.spawnApi(`${this.label}-api${this.extraApis.length + 2}`, env);
    this.extraApis.push(started.process);
    return started;
  }

  private async spawnApi(
    name: string,
    env: Record<string, string> = {},
  ): Promise<{ url: string; process: StartedProcess }> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = startProcess(name, process.execPath, [...this.apiNodeArgs, API_MAIN], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: this.redisUrl,
        BERTH_QUEUE_PREFIX: this.queuePrefix,
        BERTH_HTTP_PORT: String(port),
        BERTH_OPERATOR_TOKEN: this.operatorToken,
        BERTH_AGENT_JOIN_TOKEN: this.joinToken,
        BERTH_HOST_LOST_AFTER_MS: '4000',
        BERTH_REAPER_INTERVAL_MS: '500',
        BERTH_RECONCILE_INTERVAL_MS: '1000',
        BERTH_RECONCILE_GRACE_MS: '2000',
        ...GENEROUS_LIMITS,
        ...this.apiEnv,
        ...env,
      },
    });
    await waitFor(`${name} /readyz`, async () => {
      if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output()}`);
      return (await new TestHttpClient(url).get('/readyz')).status === 200;
    });
    return { url, process: api };
  }

  /** Starts (or restarts, keeping its state dir) an agent and waits until its host is ready. */
  async startAgent(opts: AgentOptions): Promise<RunningAgent> {
    const stateDir = path.join(this.stateRoot, opts.name);
    // A real agent wires its host's network (bridges, taps, nftables). Unless the test gives the host a
    // namespace of its own, make one: no test touches the machine's own network.
    const netns =
      opts.driver === 'qemu' && !opts.env?.BERTH_HOST_NETNS ? this.hostNamespace(opts.name) : null;
    const proc = startProcess(`${this.label}-agent-${opts.name}`, process.execPath, [AGENT_MAIN], {
      env: {
        PATH: process.env.PATH,
        BERTH_API_URL: this.apiUrl,
        REDIS_URL: this.redisAddress,
        BERTH_QUEUE_PREFIX: this.queuePrefix,
        BERTH_AGENT_JOIN_TOKEN: this.joinToken,
        BERTH_HOST_NAME: opts.name,
        BERTH_HOST_VCPU: '8',
        BERTH_HOST_MEMORY_MIB: '16384',
        BERTH_HOST_DISK_GIB: '200',
        BERTH_STATE_DIR: stateDir,
        BERTH_HEARTBEAT_INTERVAL_MS: '500',
        BERTH_HOLLOW_BOOT_DELAY_MS: '200',
        BERTH_DRIVER: opts.driver ?? 'hollow',
        // The suites' registries (and the closed ports some pulls are pointed at) are on loopback.
        BERTH_REGISTRY_ALLOW_CIDRS: '127.0.0.0/8,::1/128',
        BERTH_VM_TEMPLATES: testVmTemplates(),
        BERTH_VM_TEMPLATES_DIR: this.templatesDir(opts.name),
        ...TEST_PREBUILD,
        ...(netns ? { BERTH_HOST_NETNS: netns } : {}),
        ...opts.env,
      },
    });
    const agent: RunningAgent = { name: opts.name, stateDir, process: proc };
    this.agents.set(opts.name, agent);
    // An agent that exits (the API refused it) ends the wait at once: waitFor retries what throws.
    const outcome = await waitFor(`agent ${opts.name} to be ready`, () => {
      if (proc.child.exitCode !== null) return Promise.resolve('exited' as const);
      return Promise.resolve(proc.output().includes('ready; health on') && ('ready' as const));
    });
    if (outcome === 'exited') throw new Error(`agent exited:\n${proc.output()}`);
    const templatesOn = (opts.env?.BERTH_VM_TEMPLATES ?? testVmTemplates()) === 'on';
    if (opts.driver === 'qemu' && templatesOn && opts.awaitTemplates !== false)
      await this.templatesReady(agent);
    return agent;
  }

  /** The directory of an agent's VM templates. */
  templatesDir(agent: string): string {
    return path.join(this.templatesRoot, agent);
  }

  /** Waits until the agent says its prebuilt templates are ready; a failed build fails the wait. */
  private async templatesReady(agent: RunningAgent): Promise<void> {
    const outcome = await waitFor(
      `agent ${agent.name}'s VM templates`,
      () => {
        const output = agent.process.output();
        const failed = /template \S+ was not built: .*/.exec(output);
        if (failed) return Promise.resolve(failed[0]);
        return Promise.resolve(output.includes(PREBUILT_READY_LINE) && 'ready');
      },
      240_000,
    );
    if (outcome !== 'ready') throw new Error(outcome);
  }

  /**
   * Starts the billing worker against this stack's database: with `stripe`, pointed at that local
   * Stripe-compatible server; without, ledger only. Polls fast so that tests need not wait.
   */
  async startBilling(
    opts: { stripe?: { host: string; port: number; secretKey: string }; env?: Record<string, string> } = {},
  ): Promise<StartedProcess> {
    await this.billing?.stop();
    const proc = startProcess(`${this.label}-billing`, process.execPath, [BILLING_MAIN], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: this.databaseUrl,
        BERTH_BILLING_POLL_MS: '200',
        BERTH_BILLING_RECONCILE_MS: '1000',
        BERTH_BILLING_MAX_BACKOFF_MS: '1000',
        // The local Stripe sums events as it takes them (its summaryLagMs is 0 unless a test sets it).
        BERTH_BILLING_SUMMARY_SETTLE_MS: '1000',
        ...(opts.stripe
          ? {
              STRIPE_SECRET_KEY: opts.stripe.secretKey,
              BERTH_STRIPE_API_HOST: opts.stripe.host,
              BERTH_STRIPE_API_PORT: String(opts.stripe.port),
              BERTH_STRIPE_API_PROTOCOL: 'http',
            }
          : {}),
        ...opts.env,
      },
    });
    this.billing = proc;
    await waitFor(`${this.label} billing worker to start`, () => {
      if (proc.child.exitCode !== null) throw new Error(`billing worker exited:\n${proc.output()}`);
      return Promise.resolve(proc.output().includes('billing worker started'));
    });
    return proc;
  }

  /** A new tenant with its first API key, through the operator API. */
  async tenant(name = 'tenant'): Promise<{ id: string; key: string; http: TestHttpClient }> {
    const res = await this.operator.post('/v1/admin/tenants', { name });
    if (res.status !== 201)
      throw new Error(`could not create tenant: ${res.status} ${JSON.stringify(res.body)}`);
    const key = res.body.apiKey.secret as string;
    return { id: res.body.tenant.id as string, key, http: new TestHttpClient(this.apiUrl, key) };
  }

  /** Reads the stack's database directly (what the API stored, e.g. usage intervals). */
  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  private hostNamespace(agentName: string): string {
    const name = `bt${this.queuePrefix.slice(1)}-${agentName}`.slice(0, 40);
    if (!this.namespaces.includes(name)) {
      addNetns(name);
      sh('ip', '-n', name, 'link', 'set', 'lo', 'up');
      this.namespaces.push(name);
    }
    return name;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.process.stop()));
    await this.billing?.stop();
    // VMs outlive their agent by design (a restarted agent adopts them); at the end of a test, none may.
    for (const pid of [...qemuPidsUnder(this.stateRoot), ...qemuPidsUnder(this.templatesRoot)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const ns of this.namespaces.splice(0)) deleteNetns(ns);
    await Promise.all(this.extraApis.splice(0).map((a) => a.stop()));
    await this.api?.stop();
    await this.dropDatabase().catch(() => undefined);
    rmSync(this.stateRoot, { recursive: true, force: true });
    rmSync(this.templatesRoot, { recursive: true, force: true });
  }
}

/** QEMU processes whose command line points under `dir`. */
function qemuPidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(dir)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
