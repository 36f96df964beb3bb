import type { ContainerView, ImageView } from '@berth/contracts';
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
