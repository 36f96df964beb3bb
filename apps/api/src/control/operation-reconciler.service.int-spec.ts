import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';
import { OperationReconcilerService } from './operation-reconciler.service';

jest.setTimeout(60_000);

/**
 * The operation reconciler, run as its timer runs it (with no grace period): an open operation whose
 * job the host's queue no longer has, or finished without the operation finishing, is queued again;
 * a job still waiting is left to its worker; a finished operation is never touched.
 */
describe('operation reconciler (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await InProcessApi.start();
    host = await api.registerHost();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
    await api.hostsTakingWork(host);
  });

  const reconcile = (): Promise<string[]> => api.service(OperationReconcilerService).reconcile();

  /** A new container, its create operation and the job that was queued for it. */
  async function create(): Promise<{ id: string; op: string; jobId: string }> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20' });
    expect(res.status).toBe(202);
    const [job] = api.queues.jobsFor(res.body.data.id);
    return { id: res.body.data.id, op: res.body.operation.id, jobId: job!.jobId };
  }

  async function enqueueCount(op: string): Promise<number> {
    const [row] = await api.rows<{ enqueue_count: number }>(
      `SELECT enqueue_count FROM operations WHERE id = $1`,
      [op],
    );
    return row!.enqueue_count;
  }

  it('leaves an operation whose job is still waiting', async () => {
    const { op } = await create();
    const before = await enqueueCount(op);
    api.queues.clear();
    expect(await reconcile()).not.toContain(op);
    expect(api.queues.jobs).toEqual([]);
    expect(await enqueueCount(op)).toBe(before);
  });

  it('queues again an operation whose job the queue lost (Redis lost its data), with the same job', async () => {
    const { id, op, jobId } = await create();
    const [sent] = api.queues.jobsFor(id);
    api.queues.finish(jobId, 'lost');
    const before = await enqueueCount(op);
    api.queues.clear();
    expect(await reconcile()).toEqual([op]);
    expect(api.queues.jobs).toEqual([sent]);
    expect(await enqueueCount(op)).toBe(before + 1);
  });

  it('runs again a job that completed while its operation stayed open (its report was lost)', async () => {
    const { id, op, jobId } = await create();
    api.queues.finish(jobId, 'completed');
    api.queues.clear();
    expect(await reconcile()).toEqual([op]);
    expect(api.queues.jobsFor(id)).toEqual([
      expect.objectContaining({
        name: 'container.create',
        jobId,
        data: expect.objectContaining({ operationId: op }),
      }),
    ]);
  });

  it('never touches an operation that finished', async () => {
    const { id, op, jobId } = await create();
    const res = await host.agent.post(`/v1/agent/containers/${id}/events`, {
      event: 'agent.running',
      at: new Date().toISOString(),
      generation: 1,
      operationId: op,
    });
    expect(res.status).toBe(200);
    api.queues.finish(jobId, 'lost');
    api.queues.clear();
    expect(await reconcile()).not.toContain(op);
    expect(api.queues.jobs).toEqual([]);
  });

  it('queues again only the latest action: a superseded operation stays superseded', async () => {
    const { id, op: createOp, jobId } = await create();
    const stop = await tenant.http.post(`/v1/containers/${id}/stop`);
    expect(stop.status).toBe(202);
    const stopJob = api.queues.jobsFor(id).find((j) => j.name === 'container.stop')!;
    api.queues.finish(jobId, 'lost');
    api.queues.finish(stopJob.jobId, 'lost');
    api.queues.clear();
    const requeued = await reconcile();
    expect(requeued).toContain(stop.body.operation.id);
    expect(requeued).not.toContain(createOp);
    expect(api.queues.jobsFor(id).map((j) => j.name)).toEqual(['container.stop']);
  });
});
