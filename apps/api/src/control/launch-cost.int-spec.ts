import { DataSource } from 'typeorm';
import { inAnotherTransaction, waitFor } from '@berth/testing';
import type { AgentWorkBundle } from '@berth/contracts';
import { statementsSent } from '../testing/statements-sent';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * What one launch costs the database, phase by phase, as an agent drives it (issue 15: "a launch in a
 * handful of statements"): the tenant's create, the host's claim of the job, the host's `running`
 * report. The bench (`npm run bench:control-plane`) prints the same counts under load; this spec holds
 * each phase to its budget so that a change that adds statements to a launch fails here first.
 */
describe('a launch, statement by statement (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;
  let host: TestHost;

  beforeAll(async () => {
    api = await InProcessApi.start();
    tenant = await api.newTenant();
    host = await api.registerHost();
    await api.hostsTakingWork(host);
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The statements the API sends while `work` runs, whitespace folded. */
  const statementsOf = <T>(work: () => Promise<T>): Promise<{ value: T; sent: string[] }> =>
    statementsSent(api.service(DataSource), work);

  async function launch(): Promise<{ create: string[]; claim: string[]; report: string[] }> {
    const created = await statementsOf(async () => {
      const res = await tenant.http.post<{
        data: { id: string; generation: number };
        operation: { id: string };
      }>('/v1/containers', { image: 'alpine:3.20' });
      expect(res.status).toBe(202);
      // Its peers are found after the answer: counted with the create, not with the claim.
      await api.queues.nudgesSent();
      return res.body;
    });
    const { data, operation } = created.value;
    const claimed = await statementsOf(async () => {
      const res = await host.agent.post<AgentWorkBundle>(`/v1/agent/operations/${operation.id}/claim`, {
        at: new Date().toISOString(),
        generation: data.generation,
      });
      expect(res.status).toBe(200);
      expect(res.body.kind).toBe('container');
    });
    const reported = await statementsOf(async () => {
      const res = await host.agent.post<{ applied: boolean; state: string }>(
        `/v1/agent/containers/${data.id}/events`,
        {
          event: 'agent.running',
          at: new Date().toISOString(),
          generation: data.generation,
          operationId: operation.id,
          start: { path: 'simulated' },
        },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ applied: true, state: 'running' });
    });
    const [op] = await api.rows<{ state: string }>(`SELECT state FROM operations WHERE id = $1`, [
      operation.id,
    ]);
    expect(op?.state).toBe('succeeded');
    return { create: created.sent, claim: claimed.sent, report: reported.sent };
  }

  /** Statements that read back a row the same request has just locked or written (what save() does). */
  const readBack = (sent: string[]): string[] => sent.filter((q) => /WHERE "\w+"\."id" IN \(\$1\)/.test(q));

  it('costs a handful of statements per phase once the tenant has its network', async () => {
    await launch(); // the tenant's first container makes its default network
    const cost = await launch();
    // The create: auth, then one transaction (create-cost.int-spec holds its inside to its own budget).
    expect(cost.create.length).toBeLessThanOrEqual(10);
    // The claim: auth, a snapshot transaction that locks the operation's container (found by the
    // operation in the same statement) and then the operation, writes both, and reads the spec, the registry login and the host's data plane.
    expect(cost.claim.length).toBeLessThanOrEqual(13);
    expect(cost.claim.filter((q) => /FROM "operations"/.test(q))).toHaveLength(1);
    // The report: auth, the container locked with its usage, the operation settled, how it started.
    expect(cost.report.length).toBeLessThanOrEqual(10);
    for (const phase of [cost.create, cost.claim, cost.report]) {
      expect(readBack(phase)).toEqual([]);
      // The usage history is one statement, wherever it is read.
      expect(phase.filter((q) => /\bFROM usage_intervals\b/.test(q)).length).toBeLessThanOrEqual(1);
    }
    expect(cost.create.length + cost.claim.length + cost.report.length).toBeLessThanOrEqual(33);
  });

  it("locks the container before its operation, as a tenant's action does (the other order deadlocks with it)", async () => {
    const res = await tenant.http.post<{ data: { id: string }; operation: { id: string } }>(
      '/v1/containers',
      {
        image: 'alpine:3.20',
      },
    );
    const { data, operation } = res.body;
    const ds = api.service(DataSource);
    // A tenant's action in flight: it holds the container and would lock its operations next.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const action = ds.transaction(async (em) => {
      await em.query(`SELECT id FROM containers WHERE id = $1 FOR UPDATE`, [data.id]);
      locked();
      await held;
    });
    await holding;
    const claim = host.agent.post(`/v1/agent/operations/${operation.id}/claim`, {
      at: new Date().toISOString(),
    });
    await waitFor('the claim to wait for the container', async () => {
      const [row] = await api.rows<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM "containers"%'`,
      );
      return (row?.n ?? 0) > 0;
    });
    // Waiting there, the claim holds no lock on the operation that the action would need.
    const probe = await inAnotherTransaction(ds, (em) =>
      em.query(`SELECT id FROM operations WHERE id = $1 FOR UPDATE`, [operation.id]),
    );
    expect(probe).not.toBe('blocked');
    release();
    await action;
    expect((await claim).status).toBe(200);
  });

  it('writes how the machine started into the operation, beside what the claim recorded', async () => {
    const res = await tenant.http.post<{
      data: { id: string; generation: number };
      operation: { id: string };
    }>('/v1/containers', { image: 'alpine:3.20' });
    const { data, operation } = res.body;
    await api.rows(`UPDATE operations SET progress = '{"phase":"pulling"}' WHERE id = $1`, [operation.id]);
    await host.agent.post(`/v1/agent/operations/${operation.id}/claim`, { at: new Date().toISOString() });
    const other = await api.registerHost();
    const intruder = await other.agent.post(`/v1/agent/containers/${data.id}/events`, {
      event: 'agent.running',
      at: new Date().toISOString(),
      generation: data.generation,
      operationId: operation.id,
      start: { path: 'cold' },
    });
    expect(intruder.status).toBe(404);
    await host.agent.post(`/v1/agent/containers/${data.id}/events`, {
      event: 'agent.running',
      at: new Date().toISOString(),
      generation: data.generation,
      operationId: operation.id,
      start: { path: 'template', template: 'tpl-1' },
    });
    const [op] = await api.rows<{ progress: Record<string, unknown>; state: string }>(
      `SELECT progress, state FROM operations WHERE id = $1`,
      [operation.id],
    );
    expect(op).toEqual({
      state: 'succeeded',
      progress: {
        phase: 'pulling',
        start: { path: 'template', template: 'tpl-1', message: 'started from a VM template' },
      },
    });
  });
});
