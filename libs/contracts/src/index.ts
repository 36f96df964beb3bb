/**
 * Request and response shapes shared by the api, the agent, the CLI and the dashboard. Plain types:
 * the api validates with its DTO classes, clients read these.
 */
import type {
  ContainerState,
  HostState,
  OperationKind,
  OperationState,
  QuotaLimit,
  SizeName,
  SnapshotState,
  VolumeState,
} from '@berth/domain';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    readonly details?: unknown;
  };
}

export interface Page<T> {
  readonly data: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly state: 'active' | 'suspended';
  readonly createdAt: string;
  readonly suspendedAt: string | null;
}

/** One quota: the limit in force, whether the operator set it for this tenant, and what it uses now. */
export interface QuotaView {
  readonly quota: number;
  /** true: set for this tenant by the operator; false: the configured default. */
  readonly custom: boolean;
  readonly usage: number;
}

/** GET /v1/quotas and the operator's views: every limit (containers, vcpus, memoryMib, ...). */
export interface QuotasView {
  readonly tenantId: string;
  readonly limits: Readonly<Record<QuotaLimit, QuotaView>>;
}

/** GET /v1/admin/tenants/:id: the tenant with its quotas and usage. */
export interface TenantDetailView extends TenantView {
  readonly quotas: QuotasView['limits'];
}

export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** Returned once, when a key is created: `secret` is never shown again. */
export interface CreatedApiKeyView extends ApiKeyView {
  readonly secret: string;
}

/** A join token as the operator lists it; the secret is never shown again after creation. */
export interface JoinTokenView {
  readonly id: string;
  readonly prefix: string;
  readonly description: string;
  /** A re-admission token: the one host it registers (used once). null: a join token for new hosts. */
  readonly hostId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
}

/**
 * A usage interval the billing worker gave up on, for the operator: Stripe refused its meter event for
 * good (`refused`, with Stripe's status, code and message), or it was first sent longer ago than Stripe
 * keeps identifiers and never acknowledged (`identifier_window_passed`: it may be at Stripe already).
 */
export interface BillingDeadLetterView {
  readonly id: string;
  readonly intervalId: string;
  readonly tenantId: string;
  readonly meter: string;
  /** The meter event's value: seconds, or GB-seconds for the storage meters. */
  readonly value: number;
  /** The event's time (when the interval ended). */
  readonly eventTimestamp: string;
  readonly reason: 'refused' | 'identifier_window_passed';
  readonly stripeStatus: number | null;
  readonly stripeCode: string | null;
  readonly message: string;
  readonly createdAt: string;
}

/** Where Stripe's sum and what it acknowledged to berth differ, for one tenant and meter. */
export interface BillingDriftView {
  readonly tenantId: string;
  readonly meter: string;
  /** What Stripe acknowledged to berth (berth's ledger), in the meter's units. */
  readonly postgres: number;
  /** What Stripe's event summary counts. */
  readonly stripe: number;
}

/** One reconciliation pass of the billing worker: what it compared, and any drift it found. */
export interface BillingReconciliationView {
  readonly id: string;
  readonly ranAt: string;
  /** The minute-aligned window compared: [windowStart, windowEnd). */
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly checked: number;
  /** Pairs left for a later pass: Stripe may not have summed their latest events yet. */
  readonly unsettled: number;
  readonly drift: BillingDriftView[];
}

/** Returned once, when a join or re-admission token is made: `token` is never shown again. */
export interface CreatedJoinTokenView extends JoinTokenView {
  readonly token: string;
}

export interface CreateJoinTokenRequest {
  /** Seconds until it expires (default BERTH_JOIN_TOKEN_TTL_S, 24 h). */
  readonly ttlSeconds?: number;
  readonly description?: string;
}

export interface ReadmitHostRequest {
  /** Seconds the re-admission token stays usable (default BERTH_READMIT_TOKEN_TTL_S, 1 h). */
  readonly ttlSeconds?: number;
}

export interface HostView {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly state: HostState;
  readonly capacity: { vcpu: number; memoryMib: number; diskGib: number };
  readonly reserved: { vcpu: number; memoryMib: number; diskGib: number };
  /** The host's volume pool: GiB offered, and GiB its volumes and snapshots hold. */
  readonly volumes: { capacityGib: number; reservedGib: number };
  readonly driver: string;
  readonly capabilities: Record<string, unknown>;
  readonly lastHeartbeatAt: string;
  /** The host's VM templates as its last heartbeat reported them (docs/vm-templates.md); [] for none. */
  readonly templates: HostTemplateView[];
}

/** One VM template on a host: a booted guest of one size and device layout that containers start from. */
export interface HostTemplateView {
  readonly key: string;
  readonly state: 'building' | 'ready' | 'failed';
  readonly vcpu: number;
  readonly memoryMib: number;
  /** Disk slots: the image's root, the writable layer, then one per volume. */
  readonly disks: number;
  readonly nics: number;
  readonly builtAt: string | null;
  /** Machines started from it since the host's agent started. */
  readonly clones: number;
  readonly error: string | null;
}

export interface ContainerView {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly command: string[] | null;
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly size: SizeName;
  readonly resources: { vcpu: number; memoryMib: number; diskGib: number };
  readonly restartPolicy: string;
  readonly state: ContainerState;
  readonly exitCode: number | null;
  readonly stateReason: string | null;
  readonly hostId: string | null;
  readonly generation: number;
  readonly createdAt: string;
  readonly stateChangedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /**
   * The container's NICs in order (eth0 first): empty once it is deleted. The API always sends it;
   * optional only so that clients written before networks still type-check.
   */
  readonly networks?: ContainerNicView[];
  /** Ids of the security groups attached, in the order they were attached (always sent, as `networks`). */
  readonly securityGroups?: string[];
  /** Volumes mounted into it (always sent, as `networks`). */
  readonly volumes?: ContainerVolumeView[];
}

export interface ContainerVolumeView {
  readonly volumeId: string;
  readonly name: string;
  readonly path: string;
}

export interface VolumeView {
  readonly id: string;
  readonly name: string;
  /** GiB (2^30 bytes), which berth calls GB. */
  readonly sizeGb: number;
  readonly state: VolumeState;
  readonly backend: string;
  readonly hostId: string | null;
  /** The container it belongs to (one writer at a time), or null when detached. */
  readonly attachment: { containerId: string; containerName: string; path: string } | null;
  readonly sourceSnapshotId: string | null;
  readonly error: string | null;
  /** GB-seconds accrued so far (size x seconds since creation, to deletion). */
  readonly usageGbSeconds: number;
  readonly createdAt: string;
  readonly deletedAt: string | null;
}

export interface SnapshotView {
  readonly id: string;
  readonly name: string;
  readonly volumeId: string;
  readonly volumeName: string;
  /** The source volume's size: a restore makes a volume at least this big. */
  readonly sizeGb: number;
  readonly state: SnapshotState;
  /** Bytes stored for it (only what the volume held), once made. */
  readonly storedBytes: number | null;
  /** true: taken from a running container (crash-consistent); false: from a detached volume. */
  readonly live: boolean | null;
  readonly error: string | null;
  readonly usageGbSeconds: number;
  readonly createdAt: string;
  readonly deletedAt: string | null;
}

/** One NIC of a container: its address on one of the tenant's networks. */
export interface ContainerNicView {
  readonly networkId: string;
  /** The network's name. */
  readonly name: string;
  readonly ip: string;
  readonly mac: string;
}

export interface OperationView {
  readonly id: string;
  readonly kind: OperationKind;
  readonly state: OperationState;
  readonly targetId: string;
  readonly error: { code: string; message: string } | null;
  /** The latest progress of a long step (an image pull), or null. */
  readonly progress: Record<string, unknown> | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
}

/** Body of a `202 Accepted`: the object as it is now and the operation that will change it. */
export interface AcceptedView<T> {
  readonly operation: OperationView;
  readonly data: T;
}

// ---- agent-facing contracts ----

export interface RegisterHostRequest {
  readonly name: string;
  readonly address: string;
  readonly capacity: { vcpu: number; memoryMib: number; diskGib: number; volumeGib?: number };
  readonly driver: string;
  readonly capabilities: Record<string, unknown>;
  readonly agentVersion: string;
  /** With the host's own token: issue a new one (the old one stops working). A join always issues one. */
  readonly rotateToken?: boolean;
  /**
   * With a join token: a random key (32 bytes, base64url) the agent made and kept before it first joined.
   * A join repeated with the same key before the host has used its token (its first answer was lost) is
   * answered again, with a new token, instead of `409 host/name_taken`.
   */
  readonly joinKey?: string;
}

export interface RegisterHostResponse {
  readonly hostId: string;
  /**
   * The host's own bearer token when one was issued (a new host, a re-admission, a rotation); only its
   * hash is stored. Absent when a host re-registered with its token and keeps it.
   */
  readonly token?: string;
  readonly queue: string;
  /** The host's own Redis user, which reaches its queue's keys only; only the password's hash is stored. */
  readonly redis: AgentRedisLogin;
}

/** Issued at each registration; the previous password stops working. */
export interface AgentRedisLogin {
  readonly username: string;
  readonly password: string;
}

export interface HeartbeatRequest {
  readonly at: string;
  readonly machines: number;
  /** The volume pool's size now (it follows the disk; registration only reports it once). */
  readonly volumeGib?: number;
  /** The host's VM templates now (absent: unchanged, e.g. an older agent); bounded by the API. */
  readonly templates?: HostTemplateView[];
  /** The last loss (`lossEpoch`) after which the agent finished a resync; 0 when none. */
  readonly resyncedEpoch?: number;
}

export interface HeartbeatResponse {
  readonly hostId: string;
  readonly state: HostState;
  /**
   * The host was lost (until this heartbeat, or since its agent last resynced): the agent stops what it
   * must no longer run (containers deleted or started on another host meanwhile) before it reports
   * anything else, then says `resyncedEpoch: lossEpoch` in its heartbeats. Said again by every heartbeat
   * until then, so a lost answer only delays the resync by one heartbeat.
   */
  readonly resync: boolean;
  /** How many times the host has been declared lost: the epoch a resync answers for. */
  readonly lossEpoch: number;
}

/** What the agent needs to run a container: the desired spec, current state and generation. */
export interface AgentContainerSpec {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly image: string;
  readonly command: string[] | null;
  readonly env: Record<string, string>;
  readonly resources: { vcpu: number; memoryMib: number; diskGib: number };
  readonly restartPolicy: string;
  readonly state: ContainerState;
  readonly generation: number;
  /** Network interfaces in order (eth0, eth1, ...); empty until networks land on the API. */
  readonly nics?: AgentNic[];
  /** Volumes to attach, by slot. */
  readonly volumes?: AgentVolumeMount[];
}

export interface AgentVolumeMount {
  readonly volumeId: string;
  readonly sizeGib: number;
  readonly backend: string;
  readonly path: string;
  /** The virtio-blk serial the guest finds it by (berth-vol<slot>). */
  readonly serial: string;
}

/** One piece of storage work queued for a host (`volume.*`, `snapshot.*` jobs carry only the operation id). */
export interface AgentStorageWork {
  readonly operationId: string;
  readonly kind: 'volume.create' | 'volume.delete' | 'snapshot.create' | 'snapshot.delete';
  readonly volume: { id: string; sizeGib: number; backend: string; sourceSnapshotId: string | null } | null;
  readonly snapshot: { id: string; volumeId: string; sizeGib: number; backend: string } | null;
  /** For snapshot.create: the container the volume is attached to, and its disk serial there. */
  readonly attachedTo: { containerId: string; serial: string } | null;
}

/** Every volume and snapshot that should exist on a host: what the agent keeps, the rest it removes. */
export interface AgentStorageInventory {
  readonly volumes: string[];
  readonly snapshots: string[];
}

export type AgentEventName =
  'agent.creating' | 'agent.running' | 'agent.stopped' | 'agent.exited' | 'agent.failed' | 'agent.deleted';

/** A state change observed on the host, stamped with the host's own clock. */
export interface AgentEventReport {
  readonly event: AgentEventName;
  readonly at: string;
  readonly generation: number;
  readonly operationId?: string;
  readonly exitCode?: number;
  readonly error?: { code: string; message: string };
  /** With `agent.running` after a start: how the machine was started. */
  readonly start?: StartPath;
  /**
   * With `agent.running` after a restart on the host: when the machine it replaces stopped (the host's
   * clock). The old run's usage ends there, so the reboot between the two is not billed.
   */
  readonly stoppedAt?: string;
  /**
   * The host did not see this end (it found the machine ended, or gone, when its agent started): `at`
   * is the last moment it vouched for the machine, its last heartbeat before. Never before the host's
   * last report of the machine, which vouched for it too.
   */
  readonly unseen?: boolean;
}

/**
 * How a driver started a machine: restored from a VM template, booted cold (with `fallback` when a
 * template was tried and did not restore), or simulated (the hollow driver runs nothing).
 */
export interface StartPath {
  readonly path: 'template' | 'cold' | 'simulated';
  /** The template's key (path `template`, or the one that failed with `fallback`). */
  readonly template?: string;
  /** Why the template was not used (it did not restore); the machine booted cold instead. */
  readonly fallback?: string;
}

export interface AgentEventResult {
  readonly applied: boolean;
  readonly state: ContainerState;
}

// ---- images, registry credentials, exec, logs ----

export interface ImageView {
  readonly id: string;
  readonly reference: string;
  readonly state: 'pulling' | 'ready' | 'failed';
  readonly digest: string | null;
  readonly sizeBytes: number | null;
  readonly config: Record<string, unknown> | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RegistryCredentialView {
  readonly registry: string;
  readonly username: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ExecResultView {
  readonly operation: OperationView;
  /** null while the command has not finished (the wait ran out). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One line of a container's output, as `GET /v1/containers/:ref/logs` streams them (NDJSON). */
export interface LogLineView {
  readonly at: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface AgentExecSpec {
  readonly operationId: string;
  readonly containerId: string;
  readonly command: string[];
  readonly env: string[];
  readonly workdir: string | null;
  readonly user: string | null;
  readonly timeoutMs: number;
}

export interface AgentImageSpec {
  readonly id: string;
  readonly tenantId: string;
  readonly reference: string;
  readonly operationId: string | null;
}

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface OperationProgressReport {
  readonly phase: string;
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  readonly message?: string;
}

// ---- one claim and one result channel per operation (issue 13) ----

/**
 * `POST /v1/agent/operations/:operationId/claim`: the host starts on an operation. `at` is the host's
 * clock (a create or start is dated by it); `generation` is the job's, for container work.
 */
export interface AgentClaimRequest {
  readonly at: string;
  readonly generation?: number;
}

/** Container work the agent should carry out: everything the job needs, read in one snapshot. */
export interface AgentContainerWork {
  readonly kind: 'container';
  readonly operationId: string;
  readonly operationKind:
    'container.create' | 'container.start' | 'container.restart' | 'container.stop' | 'container.delete';
  readonly spec: AgentContainerSpec;
  /** The tenant's login for the image's registry, for work that pulls (under the registry-credentials rule). */
  readonly registryCredentials: RegistryCredentials | null;
  /**
   * The container's part of this host's data plane (scoped to it) as of the same snapshot, for work
   * that wires interfaces; null otherwise.
   */
  readonly dataplane: AgentDataplane | null;
}

/** Nothing to do: a newer generation supersedes the job, or the container is gone. */
export interface AgentSkippedWork {
  readonly kind: 'skip';
  readonly operationId: string;
  readonly reason: 'stale' | 'gone';
  /** The container's generation now (null when it is gone). */
  readonly generation: number | null;
}

export interface AgentExecWork {
  readonly kind: 'exec';
  readonly exec: AgentExecSpec;
}

export interface AgentImageWork {
  readonly kind: 'image';
  readonly image: AgentImageSpec;
  readonly registryCredentials: RegistryCredentials | null;
}

export interface AgentStorageWorkBundle {
  readonly kind: 'storage';
  readonly work: AgentStorageWork;
}

/** What a claim answers, by the operation's kind. */
export type AgentWorkBundle =
  AgentContainerWork | AgentSkippedWork | AgentExecWork | AgentImageWork | AgentStorageWorkBundle;

/** `POST /v1/agent/operations/:operationId/result`: every outcome and progress report of an operation. */
export type AgentOperationResult =
  | ({ readonly type: 'progress' } & OperationProgressReport)
  | {
      readonly type: 'exec';
      readonly exitCode: number;
      readonly stdout: string;
      readonly stderr: string;
    }
  | {
      readonly type: 'image';
      readonly digest: string;
      readonly sizeBytes: number;
      readonly config: Record<string, unknown>;
    }
  | { readonly type: 'storage'; readonly storedBytes?: number; readonly live?: boolean }
  | { readonly type: 'failure'; readonly error: { code: string; message: string } };

export type AgentOperationResultType = AgentOperationResult['type'];

// ---- networks, security groups, floating IPs (issue 5) ----

export interface NetworkView {
  readonly id: string;
  readonly name: string;
  readonly cidr: string;
  readonly gateway: string;
  /** Every tenant has one network named `default`, made on first use; containers join it unless told otherwise. */
  readonly isDefault: boolean;
  readonly createdAt: string;
}

export interface SecurityRuleView {
  readonly id: string;
  readonly direction: 'ingress' | 'egress';
  readonly protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  readonly portFrom: number | null;
  readonly portTo: number | null;
  /** Exactly one of cidr and remoteGroupId is set. */
  readonly cidr: string | null;
  readonly remoteGroupId: string | null;
}

export interface SecurityGroupView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly rules: SecurityRuleView[];
  readonly createdAt: string;
}

export interface FloatingIpView {
  readonly id: string;
  readonly address: string;
  readonly name: string | null;
  readonly containerId: string | null;
  readonly createdAt: string;
}

/** One network interface of a container, as the agent wires it: a tap on the network's bridge. */
export interface AgentNic {
  readonly networkId: string;
  readonly vni: number;
  readonly ip: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly mac: string;
  readonly mtu: number;
}

/** A firewall rule with remote groups already expanded to addresses. */
export interface AgentRule {
  readonly protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  readonly portFrom: number | null;
  readonly portTo: number | null;
  readonly cidrs: string[];
}

export interface AgentNetwork {
  readonly id: string;
  readonly vni: number;
  readonly cidr: string;
  readonly gateway: string;
  readonly mtu: number;
  /** Underlay addresses of the other hosts that have containers on this network (the VXLAN flood list). */
  readonly peers: string[];
  /** Every live container on the network, for the guests' /etc/hosts. */
  readonly members: { readonly name: string; readonly ip: string }[];
}

export interface AgentPort {
  readonly containerId: string;
  readonly networkId: string;
  readonly ip: string;
  readonly mac: string;
  /** Effective rules: with no security group, ingress from the container's own networks and all egress. */
  readonly ingress: AgentRule[];
  readonly egress: AgentRule[];
}

export interface AgentFloatingIp {
  readonly address: string;
  readonly containerId: string;
  readonly privateIp: string;
}

/** Everything the host's data plane should be, recomputed by the API on every request. */
export interface AgentDataplane {
  readonly hostId: string;
  /**
   * When the API read it (its database clock): the agent never applies a data plane older than one it
   * has applied already (a claim's snapshot can reach it after a fresher poll).
   */
  readonly readAt: string;
  /**
   * What the reading covers: absent for the host's whole data plane; else only these containers (their
   * ports and floating IPs) and every network they are on, whole. A claim carries its own container's
   * part, so that its cost does not grow with everything else on the host (issue 15); the agent merges
   * it into the data plane it holds, part by part, newest reading of each part winning.
   */
  readonly scope?: { readonly containerIds: readonly string[] };
  readonly networks: AgentNetwork[];
  readonly ports: AgentPort[];
  readonly floatingIps: AgentFloatingIp[];
}

// ---- usage and billing ----

/** Money is given twice: exact integer nano-dollars (1e-9 USD) for programs, a dollar string for people. */
export interface UsageLineView {
  /** The group: a resource id, a size, a resource type, a day (YYYY-MM-DD) or a meter. */
  readonly key: string;
  /** What people call it: the container's or volume's name, the size, the date. */
  readonly label: string;
  /** For groupBy=container: the resource's type. */
  readonly resourceType: string | null;
  /** For groupBy=day|hour with splitBy: the size or resource type of this line's series. */
  readonly series: string | null;
  /** Seconds of containers and floating IPs. */
  readonly seconds: number;
  /** GB-seconds of volumes and snapshots. */
  readonly gbSeconds: number;
  readonly amountNanoUsd: number;
  readonly amountUsd: string;
}

export interface UsageReportView {
  readonly from: string;
  readonly to: string;
  readonly groupBy: string;
  readonly splitBy: string | null;
  readonly currency: 'usd';
  readonly lines: UsageLineView[];
  readonly total: { seconds: number; gbSeconds: number; amountNanoUsd: number; amountUsd: string };
}

export interface LiveUsageItemView {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly name: string;
  readonly meter: string;
  /** The container's size, for containers. */
  readonly size: string | null;
  /** GB for storage, 1 otherwise. */
  readonly quantity: number;
  readonly since: string;
  readonly ratePerSecondNanoUsd: number;
  /** What this stretch has accrued so far (a start counts at least 10 seconds). */
  readonly accruedNanoUsd: number;
}

export interface LiveUsageView {
  readonly at: string;
  readonly periodStart: string;
  readonly currency: 'usd';
  /** Everything accrued since the start of the period, up to `at`. */
  readonly accruedNanoUsd: number;
  readonly accruedUsd: string;
  /** What accrues each second now: the sum of the open items' rates. */
  readonly ratePerSecondNanoUsd: number;
  readonly ratePerSecondUsd: string;
  readonly items: LiveUsageItemView[];
}

export interface InvoiceLineView {
  readonly meter: string;
  readonly description: string;
  readonly unit: 'second' | 'gb-second';
  readonly quantity: number;
  /** Per second, or per GB-month for storage. */
  readonly unitPriceNanoUsd: number;
  readonly amountNanoUsd: number;
  readonly amountUsd: string;
}

export interface InvoiceView {
  /** The period, YYYY-MM (UTC calendar months). */
  readonly id: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** draft: the period is still running; closed: it has ended. */
  readonly status: 'draft' | 'closed';
  readonly currency: 'usd';
  readonly lines: InvoiceLineView[];
  readonly totalNanoUsd: number;
  readonly totalUsd: string;
}

export interface InvoiceListView {
  readonly data: InvoiceView[];
  readonly nextCursor: null;
  /** past_due: the last payment failed; new containers are refused until one succeeds. */
  readonly billingStatus: 'active' | 'past_due';
}
