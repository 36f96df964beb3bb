import type { OperationProgressReport, RegistryCredentials } from '@berth/contracts';
import { newId } from '@berth/domain';
import type { ApiClientService } from '../api-client/api-client.service';
import type { MachineSpec } from '../drivers/driver';
import type { CachedImage, ImageStore } from '../drivers/images';
import type { HookContext } from './container-hook';
import { ImageHook } from './image.hook';

const image: CachedImage = {
  digest: 'sha256:' + 'a'.repeat(64),
  reference: 'registry.test/team/app:1',
  rootfsPath: '/cache/rootfs',
  configPath: '/cache/config.json',
  config: { entrypoint: [], cmd: ['sh'], env: {}, workdir: '/', user: '' },
} as unknown as CachedImage;

/** An image store that reports the given progress, and the API calls the hook makes. */
function hookWith(progress: readonly OperationProgressReport[]) {
  const calls: unknown[] = [];
  const api = {
    result: (operationId: string, body: unknown) => {
      calls.push([operationId, body]);
      return Promise.resolve();
    },
  };
  const store = {
    ensure: (
      _ref: string,
      _creds: RegistryCredentials | undefined,
      onProgress?: (p: OperationProgressReport) => void,
    ) => {
      for (const p of progress) onProgress?.(p);
      return Promise.resolve(image);
    },
  };
  return { hook: new ImageHook(store as unknown as ImageStore, api as unknown as ApiClientService), calls };
}

const spec = { id: newId('ctr'), image: 'registry.test/team/app:1' } as MachineSpec;
const ctx: HookContext = {
  tenantId: newId('ten'),
  operationId: newId('op'),
  registryCredentials: null,
  dataplane: null,
};

describe('ImageHook (API calls per launch)', () => {
  it('costs no API call when the image is cached: a launch is its claim and its report', async () => {
    const { hook, calls } = hookWith([
      { phase: 'resolving', bytesDone: 0, bytesTotal: 0 },
      { phase: 'done', bytesDone: 0, bytesTotal: 0 },
    ]);
    expect(await hook.prepare(spec, ctx)).toMatchObject({ rootfs: { path: '/cache/rootfs' } });
    expect(calls).toEqual([]);
  });

  it("reports a download once, at its end, on the launch's operation", async () => {
    const { hook, calls } = hookWith([
      { phase: 'resolving', bytesDone: 0, bytesTotal: 0 },
      { phase: 'downloading', bytesDone: 10, bytesTotal: 100 },
      { phase: 'downloading', bytesDone: 100, bytesTotal: 100 },
      { phase: 'done', bytesDone: 100, bytesTotal: 100 },
    ]);
    await hook.prepare(spec, ctx);
    expect(calls).toEqual([
      [ctx.operationId, { type: 'progress', phase: 'done', bytesDone: 100, bytesTotal: 100 }],
    ]);
  });
});
