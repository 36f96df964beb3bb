import { expectError } from '@berth/testing';
import { MAX_HOST_TEMPLATES } from '@berth/domain';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * Issue 14, honest fallbacks (docs/vm-templates.md): a host's heartbeat carries its VM templates and
 * `GET /v1/admin/hosts` shows them; a running report says how the machine started, and the tenant
 * reads it in the operation's progress (no call added to a launch).
 */
describe('VM templates and start paths (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;
  let tenant: TestTenant;

  const ready = {
    key: '0123456789abcdef0123',
    state: 'ready',
    vcpu: 1,
    memoryMib: 512,
    disks: 2,
    nics: 1,
    builtAt: '2026-12-07T10:00:00.000Z',
    clones: 3,
    error: null,
  };
  const failed = {
    ...ready,
    key: 'fedcba9876543210fedc',
    state: 'failed',
    builtAt: null,
    clones: 0,
    error: 'qemu exited',
  };

  beforeAll(async () => {
    api = await InProcessApi.start();
    host = await api.registerHost();
  });

  afterAll(async () => {
    await api?.close();
  });

  function heartbeat(extra: Record<string, unknown>) {
    return host.agent.post('/v1/agent/heartbeat', { at: new Date().toISOString(), machines: 0, ...extra });
  }

  async function listed(): Promise<Record<string, any>> {
    const res = await api.operator.get('/v1/admin/hosts', { limit: '100' });
    expect(res.status).toBe(200);
    return (res.body.data as Record<string, any>[]).find((h) => h.id === host.id)!;
  }

  describe('host templates', () => {
    it('a host shows none until its heartbeat reports them, then each as reported', async () => {
      expect((await listed()).templates).toEqual([]);
      expect((await heartbeat({ templates: [ready, failed] })).status).toBe(200);
      expect((await listed()).templates).toEqual([ready, failed]);
    });

    it('a heartbeat without templates (an older agent) leaves them; an empty list clears them', async () => {
      expect((await heartbeat({ templates: [ready] })).status).toBe(200);
      expect((await heartbeat({})).status).toBe(200);
      expect((await listed()).templates).toEqual([ready]);
      expect((await heartbeat({ templates: [] })).status).toBe(200);
      expect((await listed()).templates).toEqual([]);
    });

    it('refuses too many templates, unknown fields and bad values, and keeps what it had', async () => {
      expect((await heartbeat({ templates: [ready] })).status).toBe(200);
      const many = Array.from({ length: MAX_HOST_TEMPLATES + 1 }, () => ready);
      expectError(await heartbeat({ templates: many }), 400, 'request/invalid');
      expectError(
        await heartbeat({ templates: [{ ...ready, extra: 'x'.repeat(1000) }] }),
        400,
        'request/invalid',
      );
      expectError(await heartbeat({ templates: [{ ...ready, state: 'weird' }] }), 400, 'request/invalid');
      expectError(await heartbeat({ templates: [{ ...ready, key: '../etc' }] }), 400, 'request/invalid');
      expectError(
        await heartbeat({ templates: [{ ...failed, error: 'e'.repeat(501) }] }),
        400,
        'request/invalid',
      );
      expectError(await heartbeat({ templates: 'ready' }), 400, 'request/invalid');
      expect((await listed()).templates).toEqual([ready]);
    });
  });

  describe('start path in the operation progress', () => {
    beforeEach(async () => {
      tenant = await api.newTenant();
      await api.hostsTakingWork(host);
    });

    async function create(): Promise<{ id: string; op: string }> {
      const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', size: 's1' });
      expect(res.status).toBe(202);
      return { id: res.body.data.id, op: res.body.operation.id };
    }

    function running(id: string, op: string, start?: Record<string, unknown>) {
      return host.agent.post(`/v1/agent/containers/${id}/events`, {
        event: 'agent.running',
        at: new Date().toISOString(),
        generation: 1,
        operationId: op,
        ...(start ? { start } : {}),
      });
    }

    async function progressOf(op: string): Promise<Record<string, any> | null> {
      const res = await tenant.http.get(`/v1/operations/${op}`);
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('succeeded');
      return res.body.progress;
    }

    it('started from a template', async () => {
      const { id, op } = await create();
      expect((await running(id, op, { path: 'template', template: ready.key })).status).toBe(200);
      expect(await progressOf(op)).toEqual({
        start: { path: 'template', template: ready.key, message: 'started from a VM template' },
      });
    });

    it('booted cold, with no template', async () => {
      const { id, op } = await create();
      expect((await running(id, op, { path: 'cold' })).status).toBe(200);
      expect(await progressOf(op)).toEqual({ start: { path: 'cold', message: 'booted cold' } });
    });

    it('booted cold after a template did not restore, beside what the pull reported', async () => {
      const { id, op } = await create();
      const pulled = await host.agent.post(`/v1/agent/operations/${op}/result`, {
        type: 'progress',
        phase: 'done',
        bytesDone: 10,
      });
      expect(pulled.status).toBe(204);
      const start = { path: 'cold', template: ready.key, fallback: 'state load timed out' };
      expect((await running(id, op, start)).status).toBe(200);
      expect(await progressOf(op)).toEqual({
        phase: 'done',
        bytesDone: 10,
        start: { ...start, message: `booted cold: template ${ready.key} did not restore` },
      });
    });

    it('a running report without a start path leaves the progress as it was', async () => {
      const { id, op } = await create();
      expect((await running(id, op)).status).toBe(200);
      expect(await progressOf(op)).toBeNull();
    });

    it('a report that changes nothing (a duplicate) writes no start path', async () => {
      const { id, op } = await create();
      expect((await running(id, op, { path: 'cold' })).status).toBe(200);
      expect((await running(id, op, { path: 'template', template: ready.key })).body).toMatchObject({
        applied: false,
      });
      expect((await progressOf(op))?.start).toMatchObject({ path: 'cold' });
    });

    it('refuses a bad start path', async () => {
      const { id, op } = await create();
      expectError(await running(id, op, { path: 'warp' }), 400, 'request/invalid');
      expectError(await running(id, op, { path: 'cold', fallback: 'x'.repeat(501) }), 400, 'request/invalid');
      expectError(await running(id, op, { path: 'template', template: 'a b' }), 400, 'request/invalid');
      expectError(await running(id, op, { path: 'cold', extra: 1 }), 400, 'request/invalid');
    });
  });
});
