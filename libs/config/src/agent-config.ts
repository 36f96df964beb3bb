import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SIZE, isSizeName, sizeResources, type Resources, type SizeName } from '@berth/domain';
import { type Env, intFromEnv, parseEnv, processEnv, queuePrefixFromEnv, secretFromEnv } from './env';
import { parseIpCidr } from './ip-cidr';

const agentSchema = z.object({
  BERTH_API_URL: z.string().url().default('http://127.0.0.1:8080'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  BERTH_QUEUE_PREFIX: queuePrefixFromEnv(),
  BERTH_AGENT_JOIN_TOKEN: secretFromEnv('BERTH_AGENT_JOIN_TOKEN').optional(),
  BERTH_HOST_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/i, 'host names are letters, digits, dots and dashes')
    .default(os.hostname()),
  BERTH_HOST_ADDRESS: z.string().default('127.0.0.1'),
  BERTH_HOST_VCPU: intFromEnv(os.cpus().length, 1),
  BERTH_HOST_MEMORY_MIB: intFromEnv(Math.floor(os.totalmem() / 1024 / 1024), 64),
  BERTH_HOST_DISK_GIB: intFromEnv(100, 1),
  BERTH_DRIVER: z.enum(['qemu', 'hollow']).default('qemu'),
  BERTH_GUEST_KERNEL: z.string().default('/var/cache/berth/current/vmlinux'),
  BERTH_GUEST_INITRD: z.string().default('/var/cache/berth/current/initramfs.cpio'),
  BERTH_QEMU_ACCEL: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
  BERTH_BOOT_TIMEOUT_MS: intFromEnv(120_000, 1000),
  BERTH_VM_TEMPLATES: z.enum(['off', 'on']).default('on'),
  BERTH_VM_TEMPLATES_DIR: z.string().optional(),
  BERTH_VM_TEMPLATES_PREBUILD: z
    .string()
    .default(`s1,${DEFAULT_SIZE}`)
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean),
      ),
    ])
    .refine((names): names is SizeName[] => names.every(isSizeName), {
      message: 'a comma-separated list of size names, e.g. s1,s4 (empty: build templates only on demand)',
    }),
  BERTH_HOLLOW_BOOT_DELAY_MS: intFromEnv(300),
  BERTH_HEARTBEAT_INTERVAL_MS: intFromEnv(3_000, 100),
  // Unset: defaultAgentConcurrency(driver, cores).
  BERTH_AGENT_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  BERTH_STOP_TIMEOUT_MS: intFromEnv(10_000, 0),
  BERTH_STATE_DIR: z.string().optional(),
  BERTH_HOST_NETNS: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  BERTH_UNDERLAY_IFACE: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,15}$/)
    .optional(),
  BERTH_PUBLIC_IFACE: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,15}$/)
    .optional(),
  BERTH_DATAPLANE_SYNC_MS: intFromEnv(3_000, 100),
  BERTH_IMAGE_CACHE_DIR: z.string().optional(),
  BERTH_REGISTRY_ALLOW_CIDRS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .refine((cidrs) => cidrs.every((c) => parseIpCidr(c) !== null), {
      message: 'a comma-separated list of CIDR blocks, e.g. 127.0.0.0/8,::1/128',
    }),
  BERTH_VOLUME_DIR: z.string().optional(),
  BERTH_VOLUME_CAPACITY_GIB: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024 * 1024)
    .optional(),
  BERTH_AGENT_HEALTH_PORT: intFromEnv(0),
  BERTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type DriverName = 'qemu' | 'hollow';

/** hollow's default job concurrency: its launches are records and API calls, bound by round trips. */
export const HOLLOW_AGENT_CONCURRENCY = 64;
/** qemu's default: jobs per core, and the bounds around it. */
export const QEMU_JOBS_PER_CORE = 4;
const MIN_AGENT_CONCURRENCY = 4;
const MAX_AGENT_CONCURRENCY = 64;

/**
 * How many jobs an agent runs at once when BERTH_AGENT_CONCURRENCY is unset. hollow: no machine at all,
 * so a host is bound by its round trips to the API and Redis, not by its cores. qemu: bound by the
 * cores, since a guest's boot under TCG keeps one busy; but a launch also waits (its claim, the image, the
 * network hook, its report), and with 8 jobs on 2 cores the boot bench's burst of 20 template starts
 * reached its ideal (1.01x) where 4 missed it by 1.14x (docs/vm-templates.md): 4 per core, 4 to 64.
 */
export function defaultAgentConcurrency(driver: DriverName, cores: number): number {
  if (driver === 'hollow') return HOLLOW_AGENT_CONCURRENCY;
  return Math.min(MAX_AGENT_CONCURRENCY, Math.max(MIN_AGENT_CONCURRENCY, QEMU_JOBS_PER_CORE * cores));
}

export interface AgentConfig {
  readonly apiUrl: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /**
   * Registers the host when it has no identity yet (or the operator re-admitted it); null: the host must
   * already have one in its state dir. A host that has registered re-registers with its own token.
   */
  readonly joinToken: string | null;
  readonly host: {
    readonly name: string;
    readonly address: string;
    readonly capacity: { readonly vcpu: number; readonly memoryMib: number; readonly diskGib: number };
  };
  readonly driver: DriverName;
  readonly qemu: {
    readonly kernel: string;
    readonly initrd: string;
    /** auto: a short KVM test boot decides (see accel-probe.ts). */
    readonly accel: 'auto' | 'kvm' | 'tcg';
    readonly bootTimeoutMs: number;
    /**
     * VM templates (docs/vm-templates.md): start microVMs by restoring a booted template instead of
     * booting cold. On by default. `dir` should be on tmpfs: every clone maps a template's RAM file.
     */
    readonly templates: {
      readonly enabled: boolean;
      readonly dir: string;
      /** The machines whose templates are built at start-up (prebuiltMachines()). */
      readonly prebuild: readonly PrebuiltMachine[];
    };
  };
  readonly hollowBootDelayMs: number;
  readonly heartbeatIntervalMs: number;
  /** Jobs run at once (BERTH_AGENT_CONCURRENCY, else defaultAgentConcurrency). */
  readonly concurrency: number;
  readonly stopTimeoutMs: number;
  readonly stateDir: string;
  readonly network: {
    /** The host's network namespace (tests run hosts as namespaces); null on a real host. */
    readonly netns: string | null;
    readonly underlayIface: string | null;
    /** Floating IPs and outbound NAT leave here; null: this host has no public side. */
    readonly publicIface: string | null;
    readonly syncIntervalMs: number;
  };
  /** The host-local volume pool: volumes and snapshots as files; capacity null: the filesystem's size. */
  readonly volumes: { readonly dir: string; readonly capacityGib: number | null };
  /** Pulled images' root filesystems, by digest; may be shared by agents on one machine. */
  readonly imageCacheDir: string;
  /**
   * Loopback, link-local, private and reserved ranges the operator lets the agent pull from (refused by
   * default, see apps/agent/src/drivers/images/registry-address-policy.ts). Empty: none.
   */
  readonly registryAllowCidrs: readonly string[];
  /** 0 picks a free port; the agent logs the one it got. */
  readonly healthPort: number;
  readonly logLevel: string;
}

/** A machine whose VM template an agent builds ahead of demand: a size, its volumes and its NICs. */
export interface PrebuiltMachine {
  readonly vcpu: number;
  readonly memoryMib: number;
  readonly volumes: number;
  readonly nics: number;
}

/**
 * The machines prebuilt for each size: a container is on its tenant's network (one NIC), with no volume
 * or with one; other layouts get their template on first use.
 */
export function prebuiltMachines(sizes: readonly Resources[]): PrebuiltMachine[] {
  return sizes.flatMap((r) =>
    [0, 1].map((volumes) => ({ vcpu: r.vcpu, memoryMib: r.memoryMib, volumes, nics: 1 })),
  );
}

export function loadAgentConfig(env: Env = processEnv()): AgentConfig {
  const e = parseEnv(agentSchema, env, 'agent');
  return {
    apiUrl: e.BERTH_API_URL.replace(/\/+$/, ''),
    redisUrl: e.REDIS_URL,
    queuePrefix: e.BERTH_QUEUE_PREFIX,
    joinToken: e.BERTH_AGENT_JOIN_TOKEN ?? null,
    host: {
      name: e.BERTH_HOST_NAME,
      address: e.BERTH_HOST_ADDRESS,
      capacity: {
        vcpu: e.BERTH_HOST_VCPU,
        memoryMib: e.BERTH_HOST_MEMORY_MIB,
        diskGib: e.BERTH_HOST_DISK_GIB,
      },
    },
    driver: e.BERTH_DRIVER,
    qemu: {
      kernel: e.BERTH_GUEST_KERNEL,
      initrd: e.BERTH_GUEST_INITRD,
      accel: e.BERTH_QEMU_ACCEL,
      bootTimeoutMs: e.BERTH_BOOT_TIMEOUT_MS,
      templates: {
        enabled: e.BERTH_VM_TEMPLATES === 'on',
        // Per host name: agents sharing a machine (tests) never build into each other's directories.
        dir: e.BERTH_VM_TEMPLATES_DIR ?? path.join('/dev/shm/berth-templates', e.BERTH_HOST_NAME),
        prebuild: prebuiltMachines(e.BERTH_VM_TEMPLATES_PREBUILD.map(sizeResources)),
      },
    },
    hollowBootDelayMs: e.BERTH_HOLLOW_BOOT_DELAY_MS,
    heartbeatIntervalMs: e.BERTH_HEARTBEAT_INTERVAL_MS,
    concurrency:
      e.BERTH_AGENT_CONCURRENCY ?? defaultAgentConcurrency(e.BERTH_DRIVER, os.availableParallelism()),
    stopTimeoutMs: e.BERTH_STOP_TIMEOUT_MS,
    stateDir: e.BERTH_STATE_DIR ?? path.resolve('.data', 'agent', e.BERTH_HOST_NAME),
    imageCacheDir:
      e.BERTH_IMAGE_CACHE_DIR ??
      path.join(e.BERTH_STATE_DIR ?? path.resolve('.data', 'agent', e.BERTH_HOST_NAME), 'images'),
    registryAllowCidrs: e.BERTH_REGISTRY_ALLOW_CIDRS,
    volumes: {
      dir:
        e.BERTH_VOLUME_DIR ??
        path.join(e.BERTH_STATE_DIR ?? path.resolve('.data', 'agent', e.BERTH_HOST_NAME), 'volumes'),
      capacityGib: e.BERTH_VOLUME_CAPACITY_GIB ?? null,
    },
    network: {
      netns: e.BERTH_HOST_NETNS ?? null,
      underlayIface: e.BERTH_UNDERLAY_IFACE ?? null,
      publicIface: e.BERTH_PUBLIC_IFACE ?? null,
      syncIntervalMs: e.BERTH_DATAPLANE_SYNC_MS,
    },
    healthPort: e.BERTH_AGENT_HEALTH_PORT,
    logLevel: e.BERTH_LOG_LEVEL,
  };
}
