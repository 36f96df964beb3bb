import type {
  ContainerView,
  FloatingIpView,
  ImageView,
  InvoiceLineView,
  InvoiceView,
  LiveUsageItemView,
  LiveUsageView,
  NetworkView,
  SecurityGroupView,
  SecurityRuleView,
  SnapshotView,
  UsageLineView,
  UsageReportView,
  VolumeView,
} from '@berth/contracts';
import { NOW } from './harness';

/** A container as the API shows one. */
export function container(over: Partial<ContainerView> = {}): ContainerView {
  return {
    id: 'ctr_1',
    name: 'web',
    image: 'reg.test/me/app:1',
    command: null,
    env: {},
    labels: {},
    size: 's1',
    resources: { vcpu: 1, memoryMib: 64, diskGib: 10 },
    restartPolicy: 'no',
    state: 'running',
    exitCode: null,
    stateReason: null,
    hostId: 'hst_1',
    generation: 1,
    createdAt: new Date(NOW.getTime() - 120_000).toISOString(),
    stateChangedAt: new Date(NOW.getTime() - 60_000).toISOString(),
    startedAt: new Date(NOW.getTime() - 60_000).toISOString(),
    finishedAt: null,
    ...over,
  };
}

export function image(over: Partial<ImageView> = {}): ImageView {
  return {
    id: 'img_1',
    reference: 'reg.test/me/app:1',
    state: 'ready',
    digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    sizeBytes: 1_234_567,
    config: null,
    error: null,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...over,
  };
}

export function network(over: Partial<NetworkView> = {}): NetworkView {
  return {
    id: 'net_1',
    name: 'mynet',
    cidr: '10.1.0.0/24',
    gateway: '10.1.0.1',
    isDefault: false,
    createdAt: new Date(NOW.getTime() - 120_000).toISOString(),
    ...over,
  };
}

export function rule(over: Partial<SecurityRuleView> = {}): SecurityRuleView {
  return {
    id: 'sgr_1',
    direction: 'ingress',
    protocol: 'tcp',
    portFrom: 80,
    portTo: 80,
    cidr: '0.0.0.0/0',
    remoteGroupId: null,
    ...over,
  };
}

/** A new group as the API makes one: "egress all to 0.0.0.0/0" and what `rules` adds. */
export function securityGroup(over: Partial<SecurityGroupView> = {}): SecurityGroupView {
  return {
    id: 'sg_1',
    name: 'web',
    description: '',
    rules: [rule({ id: 'sgr_egress', direction: 'egress', protocol: 'all', portFrom: null, portTo: null })],
    createdAt: new Date(NOW.getTime() - 120_000).toISOString(),
    ...over,
  };
}

export function floatingIp(over: Partial<FloatingIpView> = {}): FloatingIpView {
  return {
    id: 'fip_1',
    address: '203.0.113.10',
    name: null,
    containerId: null,
    createdAt: new Date(NOW.getTime() - 120_000).toISOString(),
    ...over,
  };
}

/** A new, detached volume of the default size. */
export function volume(over: Partial<VolumeView> = {}): VolumeView {
  return {
    id: 'vol_1',
    name: 'pgdata',
    sizeGb: 10,
    state: 'available',
    backend: 'host-local',
    hostId: 'hst_1',
    attachment: null,
    sourceSnapshotId: null,
    error: null,
    usageGbSeconds: 1200,
    createdAt: new Date(NOW.getTime() - 120_000).toISOString(),
    deletedAt: null,
    ...over,
  };
}

/** A snapshot of `volume()`, made. */
export function snapshot(over: Partial<SnapshotView> = {}): SnapshotView {
  return {
    id: 'snap_1',
    name: 'nightly',
    volumeId: 'vol_1',
    volumeName: 'pgdata',
    sizeGb: 10,
    state: 'available',
    storedBytes: 1_234_567,
    live: false,
    error: null,
    usageGbSeconds: 600,
    createdAt: new Date(NOW.getTime() - 60_000).toISOString(),
    deletedAt: null,
    ...over,
  };
}

/** A line of a usage report grouped by type: an hour of containers. */
export function usageLine(over: Partial<UsageLineView> = {}): UsageLineView {
  return {
    key: 'container',
    label: 'container',
    resourceType: null,
    series: null,
    seconds: 3600,
    gbSeconds: 0,
    amountNanoUsd: 1_440_000,
    amountUsd: '0.001440000',
    ...over,
  };
}

/** This month to NOW, by type: containers and a volume. */
export function usageReport(over: Partial<UsageReportView> = {}): UsageReportView {
  return {
    from: '2026-01-01T00:00:00.000Z',
    to: NOW.toISOString(),
    groupBy: 'type',
    splitBy: null,
    currency: 'usd',
    lines: [
      usageLine(),
      usageLine({
        key: 'volume',
        label: 'volume',
        seconds: 0,
        gbSeconds: 864_000,
        amountNanoUsd: 33_333_333,
        amountUsd: '0.033333333',
      }),
    ],
    total: { seconds: 3600, gbSeconds: 864_000, amountNanoUsd: 34_773_333, amountUsd: '0.034773333' },
    ...over,
  };
}

/** A running s1 container, a minute old. */
export function liveItem(over: Partial<LiveUsageItemView> = {}): LiveUsageItemView {
  return {
    resourceType: 'container',
    resourceId: 'ctr_1',
    name: 'web',
    meter: 'container.s1',
    size: 's1',
    quantity: 1,
    since: new Date(NOW.getTime() - 60_000).toISOString(),
    ratePerSecondNanoUsd: 400,
    accruedNanoUsd: 24_000,
    ...over,
  };
}

export function liveUsage(over: Partial<LiveUsageView> = {}): LiveUsageView {
  return {
    at: NOW.toISOString(),
    periodStart: '2026-01-01T00:00:00.000Z',
    currency: 'usd',
    accruedNanoUsd: 34_773_333,
    accruedUsd: '0.034773333',
    ratePerSecondNanoUsd: 786,
    ratePerSecondUsd: '0.000000786',
    items: [
      liveItem(),
      liveItem({
        resourceType: 'volume',
        resourceId: 'vol_1',
        name: 'pgdata',
        meter: 'volume.gib',
        size: null,
        quantity: 10,
        since: new Date(NOW.getTime() - 120_000).toISOString(),
        ratePerSecondNanoUsd: 386,
        accruedNanoUsd: 46_296,
      }),
    ],
    ...over,
  };
}

export function invoiceLine(over: Partial<InvoiceLineView> = {}): InvoiceLineView {
  return {
    meter: 'container.s1',
    description: 'Containers, size S1',
    unit: 'second',
    quantity: 3600,
    unitPriceNanoUsd: 400,
    amountNanoUsd: 1_440_000,
    amountUsd: '0.001440000',
    ...over,
  };
}

/** This month's invoice, still a draft: an hour of s1 and ten days of a 1 GB volume. */
export function invoice(over: Partial<InvoiceView> = {}): InvoiceView {
  return {
    id: '2026-01',
    periodStart: '2026-01-01T00:00:00.000Z',
    periodEnd: '2026-02-01T00:00:00.000Z',
    status: 'draft',
    currency: 'usd',
    lines: [
      invoiceLine(),
      invoiceLine({
        meter: 'volume.gib',
        description: 'Volumes',
        unit: 'gb-second',
        quantity: 864_000,
        unitPriceNanoUsd: 100_000_000,
        amountNanoUsd: 33_333_333,
        amountUsd: '0.033333333',
      }),
    ],
    totalNanoUsd: 34_773_333,
    totalUsd: '0.034773333',
    ...over,
  };
}
