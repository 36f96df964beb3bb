import { readdirSync, readFileSync } from 'node:fs';
import {
  buildTestImage,
  startTestRegistry,
  TestStack,
  waitFor,
  type RunningAgent,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(600_000);

/**
 * Issue 15, "host loss that heals", on real microVMs and two hosts in network namespaces. An agent is
 * frozen (SIGSTOP) until the API declares its host lost, then thawed (SIGCONT), as a host that was cut
 * off and comes back: its VMs ran on meanwhile. At most two VMs run at once (TCG on two cores).
 */
describe('host loss that heals (api + two qemu agents + registry)', () => {
  const stack = new TestStack('host-loss');
  let registry: TestRegistry;
  let hostA: RunningAgent;
  let hostB: RunningAgent;
  let tenant: TestHttpClient;
  let image: string;

  // No VM templates: each would boot a guest of its own, and these VMs boot cold.
  const agent = (name: string) => ({
    name,
    driver: 'qemu' as const,
    awaitTemplates: false,
    env: { BERTH_STOP_TIMEOUT_MS: '0', BERTH_VM_TEMPLATES: 'off' },
  });

  beforeAll(async () => {
    registry = await startTestRegistry();
    image = await buildTestImage(registry, 'berth/host-loss', { cmd: ['sh'], env: { PATH: '/bin' } });
    await stack.start();
    hostA = await stack.startAgent(agent('loss-a'));
    tenant = (await stack.tenant('loss-tenant')).http;
  });

  afterAll(async () => {
    // A frozen agent cannot stop: thaw it first.
    if (hostA?.process.pid) signal(hostA, 'SIGCONT');
    await stack.stop();
    await registry?.stop();
  });

  function signal(a: RunningAgent, sig: 'SIGSTOP' | 'SIGCONT'): void {
    process.kill(a.process.pid, sig);
  }

  /** The QEMU processes of `containerId` run by host `a` (its state dir is on their command line). */
  function machinesOn(a: RunningAgent, containerId: string): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmd.includes('qemu-system') && cmd.includes(a.stateDir) && cmd.includes(containerId)) {
          pids.push(Number(entry));
        }
      } catch {
        // exited meanwhile
      }
    }
    return pids;
  }

  async function hostIdOf(a: RunningAgent): Promise<string> {
    const [row] = await stack.sql<{ id: string }>(`SELECT id FROM hosts WHERE name = $1`, [a.name]);
    return row!.id;
  }

  async function container(id: string): Promise<{ state: string; host_id: string; generation: number }> {
    const [row] = await stack.sql<{ state: string; host_id: string; generation: number }>(
      `SELECT state, host_id, generation FROM containers WHERE id = $1`,
      [id],
    );
    return row!;
  }

  async function launch(body: object): Promise<string> {
    const res = await tenant.post('/v1/containers', {
      image,
      size: 's1',
      command: ['sh', '-c', 'echo up; while true; do sleep 1; done'],
      ...body,
    });
    expect(res.status).toBe(202);
    const op = await tenant.get(`/v1/operations/${res.body.operation.id}?wait=180`);
    expect(op.body).toMatchObject({ state: 'succeeded' });
    return res.body.data.id as string;
  }

  async function hostState(a: RunningAgent): Promise<string> {
    const [row] = await stack.sql<{ state: string }>(`SELECT state FROM hosts WHERE name = $1`, [a.name]);
    return row!.state;
  }

  /** Freezes host A's agent until the API has it lost; its VMs run on. */
  async function loseHostA(): Promise<void> {
    signal(hostA, 'SIGSTOP');
    await waitFor('host A to be lost', async () => (await hostState(hostA)) === 'lost', 60_000, 200);
  }

  /** Thaws host A's agent and waits for it to be ready again; answers its output from the thaw on. */
  async function returnHostA(): Promise<() => string> {
    const mark = hostA.process.output().length;
    signal(hostA, 'SIGCONT');
    await waitFor('host A to be ready again', async () => (await hostState(hostA)) === 'ready', 60_000, 200);
    return () => hostA.process.output().slice(mark);
  }

  it('starts a restart=always container on the other host, and the returning host stops its stale copy before it reports anything; billing has one open interval', async () => {
    const id = await launch({ name: 'always', restartPolicy: 'always' });
    const a = await hostIdOf(hostA);
    expect(await container(id)).toMatchObject({ state: 'running', host_id: a, generation: 1 });
    expect(machinesOn(hostA, id)).toHaveLength(1);
    hostB = await stack.startAgent(agent('loss-b'));
    const b = await hostIdOf(hostB);

    await loseHostA();
    const moved = await waitFor(
      `${id} to run on host B`,
      async () => {
        const c = await container(id);
        return c.state === 'running' && c.host_id === b ? c : undefined;
      },
      240_000,
      300,
    );
    expect(moved.generation).toBe(2);
    expect(machinesOn(hostB, id)).toHaveLength(1);
    // The stale copy still runs on the frozen host: nothing has told it yet.
    expect(machinesOn(hostA, id)).toHaveLength(1);

    const since = await returnHostA();
    await waitFor(
      'host A to stop its stale copy',
      () => Promise.resolve(machinesOn(hostA, id).length === 0),
      120_000,
      200,
    );
    const out = since();
    const told = out.indexOf('the API had this host lost');
    const removed = out.indexOf(`${id}: machine has no container on this host any more; removing it`);
    expect(told).toBeGreaterThanOrEqual(0);
    expect(removed).toBeGreaterThan(told);
    // Nothing was reported between the thaw and the stale copy's removal.
    expect(out.slice(0, removed)).not.toMatch(/: reported agent\./);

    expect(await container(id)).toMatchObject({ state: 'running', host_id: b, generation: 2 });
    expect(machinesOn(hostB, id)).toHaveLength(1);
    const usage = await stack.sql<{ started_at: Date; ended_at: Date | null }>(
      `SELECT started_at, ended_at FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`,
      [id],
    );
    expect(usage.filter((u) => u.ended_at === null)).toHaveLength(1);
    expect(usage).toHaveLength(2);
    // The old copy's interval ended before the new one's began: never both billed.
    expect(usage[0]!.ended_at!.getTime()).toBeLessThanOrEqual(usage[1]!.started_at.getTime());

    // It ends here, so that the next test runs at most two VMs.
    expect((await tenant.delete(`/v1/containers/${id}?force=true`)).status).toBe(202);
    await waitFor(
      `${id} to be gone from host B`,
      () => Promise.resolve(machinesOn(hostB, id).length === 0),
      120_000,
      200,
    );
  });

  it('a container deleted while its host was lost is stopped by that host as soon as it returns', async () => {
    // Host A is the emptier host: spread placement puts it there.
    const id = await launch({ name: 'doomed' });
    expect((await container(id)).host_id).toBe(await hostIdOf(hostA));
    expect(machinesOn(hostA, id)).toHaveLength(1);

    await loseHostA();
    expect(await container(id)).toMatchObject({ state: 'lost' });
    const del = await tenant.delete(`/v1/containers/${id}`);
    expect(del.status).toBe(202);
    expect(await container(id)).toMatchObject({ state: 'deleted' });
    expect(machinesOn(hostA, id)).toHaveLength(1);

    const since = await returnHostA();
    await waitFor(
      'host A to stop the deleted container',
      () => Promise.resolve(machinesOn(hostA, id).length === 0),
      120_000,
      200,
    );
    const out = since();
    expect(out.indexOf(`${id}: machine has no container on this host any more; removing it`)).toBeGreaterThan(
      out.indexOf('the API had this host lost'),
    );
    const usage = await stack.sql<{ ended_at: Date | null }>(
      `SELECT ended_at FROM usage_intervals WHERE resource_id = $1`,
      [id],
    );
    expect(usage.filter((u) => u.ended_at === null)).toEqual([]);
  });
});
