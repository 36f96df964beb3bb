import { newId } from '@berth/domain';
import { HollowDriver } from './hollow.driver';
import type { Driver } from './driver';

const spec = () => ({
  id: newId('ctr'),
  name: 'c1',
  image: 'busybox',
  command: null,
  env: {},
  resources: { vcpu: 1, memoryMib: 64, diskGib: 1 },
  restartPolicy: 'no',
});

describe('HollowDriver (simulation)', () => {
  it('says it is a simulation', () => {
    expect(new HollowDriver(0).capabilities().simulation).toBe(true);
  });

  it('walks a machine through create, start, stop and delete idempotently', async () => {
    const d = new HollowDriver(5);
    const s = spec();
    expect(await d.status(s.id)).toEqual({ state: 'absent' });
    await d.create(s);
    await d.create(s);
    expect((await d.status(s.id)).state).toBe('created');
    // Nothing boots: the start says it was simulated, and a start of a running machine did nothing.
    expect(await d.start(s.id)).toEqual({ path: 'simulated' });
    expect(await d.start(s.id)).toBeNull();
    expect((await d.status(s.id)).state).toBe('running');
    expect((d as Driver).templateStatus).toBeUndefined();
    await d.stop(s.id);
    await d.stop(s.id);
    expect(await d.status(s.id)).toMatchObject({ state: 'stopped', exitCode: 0 });
    expect((await d.logs(s.id)).every((l) => l.text.includes('hollow simulation'))).toBe(true);
    await d.delete(s.id);
    await d.delete(s.id);
    expect(await d.list()).toEqual([]);
  });

  it('reports simulated exits to listeners', async () => {
    const d = new HollowDriver(0);
    const s = spec();
    const exits: number[] = [];
    d.onExit((e) => exits.push(e.exitCode ?? -1));
    await d.create(s);
    await d.start(s.id);
    d.simulateExit(s.id, 3);
    expect(exits).toEqual([3]);
    expect(await d.status(s.id)).toMatchObject({ state: 'stopped', exitCode: 3 });
  });
});
