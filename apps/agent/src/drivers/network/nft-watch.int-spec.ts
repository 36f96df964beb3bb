import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { addNetns, deleteNetns } from '@berth/testing';
import { HostCommands } from './host-commands';
import { NftChangeWatch } from './nft-watch';

jest.setTimeout(60_000);

/**
 * The change watch against the kernel's real `nft monitor`, in a namespace of its own: it tells the
 * agent's own commits (nft runs started through HostCommands) from anyone else's.
 */
describe('NftChangeWatch (real nft monitor)', () => {
  const ns = `bwatch${process.pid % 100000}`;
  const sh = new HostCommands(ns);
  const watch = new NftChangeWatch(sh);

  beforeAll(() => {
    addNetns(ns);
  });

  afterAll(async () => {
    await watch.stop();
    deleteNetns(ns);
  });

  /** Waits until the watch has reported a change (its lines arrive asynchronously). */
  async function settle(): Promise<{ changed: boolean; foreign: boolean }> {
    let changed = false;
    let foreign = false;
    for (let i = 0; i < 40 && !changed; i++) {
      await sleep(50);
      changed = watch.takeChanged();
      foreign = watch.takeForeign() || foreign;
    }
    // Let any line still in flight of the same commit in.
    await sleep(200);
    foreign = watch.takeForeign() || foreign;
    return { changed, foreign };
  }

  it("counts the agent's own commits as changes but not as foreign, and anyone else's as both", async () => {
    watch.start();
    // nft subscribes a moment after it starts; then the warm-up pass is spent.
    await sleep(500);
    watch.takeChanged();
    watch.takeChanged();
    watch.takeForeign();

    await sh.run('nft', ['add', 'table', 'inet', 'own']);
    expect(await settle()).toEqual({ changed: true, foreign: false });

    await sh.nft('add chain inet own c1\n');
    expect(await settle()).toEqual({ changed: true, foreign: false });

    // The same command, but not started by the agent: a host's admin, another tool.
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'other']);
    expect(await settle()).toEqual({ changed: true, foreign: true });
    expect(watch.takeForeign()).toBe(false);
  });
});
