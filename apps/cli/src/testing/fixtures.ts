import type {
  ContainerView,
  FloatingIpView,
  ImageView,
  NetworkView,
  SecurityGroupView,
  SecurityRuleView,
  SnapshotView,
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
