import { expectError } from '@berth/testing';
import { HostReaperService } from '../control/host-reaper.service';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * Creating containers and the tenant's actions on them, against the in-process API: the HTTP answer,
 * the rows written (containers, operations, ip_allocations, volumes, usage_intervals) and the jobs and
 * nudges sent to the hosts' queues.
 */
describe('containers (in-process api)', () => {
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
    api.queues.clear();
  });

  async function create(body: Record<string, unknown> = {}): Promise<any> {
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', ...body });
    expect(res.status).toBe(202);
    return res.body;
  }

  async function container(id: string): Promise<Record<string, any>> {
    const [row] = await api.rows(`SELECT * FROM containers WHERE id = $1`, [id]);
    return row!;
  }

  async function operationsOf(id: string): Promise<Record<string, any>[]> {
    return api.rows(
      `SELECT id, kind, state, generation, error_code FROM operations WHERE target_id = $1 ORDER BY created_at, id`,
      [id],
    );
  }

  async function containerCount(): Promise<number> {
    const [row] = await api.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM containers WHERE tenant_id = $1`,
      [tenant.id],
    );
    return row!.n;
  }

  /** As the host's agent reports it, by its own clock, naming the operation it carried out. */
  async function report(on: TestHost, id: string, event: string, operationId?: string): Promise<void> {
    const res = await on.agent.post(`/v1/agent/containers/${id}/events`, {
      event,
      at: new Date().toISOString(),
      generation: 1,
      ...(operationId ? { operationId } : {}),
    });
    expect(res.status).toBe(200);
  }

  /** A container its host reports running. */
  async function running(body: Record<string, unknown> = {}, on: TestHost = host): Promise<string> {
    const created = await create(body);
    await report(on, created.data.id, 'agent.running', created.operation.id);
    return created.data.id;
  }

  async function stopped(body: Record<string, unknown> = {}, on: TestHost = host): Promise<string> {
    const id = await running(body, on);
    const stop = await tenant.http.post(`/v1/containers/${id}/stop`);
    expect(stop.status).toBe(202);
    await report(on, id, 'agent.stopped', stop.body.operation.id);
    return id;
  }

  describe('create', () => {
    it('places it on the ready host, writes it pending with its create operation, and queues one job', async () => {
      const body = await create({ name: 'web', size: 's2' });
      const id = body.data.id;
      expect(body.data).toMatchObject({ name: 'web', state: 'pending', hostId: host.id, generation: 1 });
      expect(body.operation).toMatchObject({ kind: 'container.create', state: 'pending', targetId: id });
      expect(await container(id)).toMatchObject({
        tenant_id: tenant.id,
        host_id: host.id,
        state: 'pending',
        vcpu: 1,
        memory_mib: 128,
      });
      expect(await operationsOf(id)).toEqual([
        expect.objectContaining({
          id: body.operation.id,
          kind: 'container.create',
          state: 'pending',
          generation: 1,
        }),
      ]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          hostId: host.id,
          name: 'container.create',
          data: { containerId: id, operationId: body.operation.id, generation: 1 },
        }),
      ]);
      // No usage before the host says it runs.
      expect(await api.rows(`SELECT * FROM usage_intervals WHERE resource_id = $1`, [id])).toEqual([]);
    });

    it("joins the tenant's default network with an address of its own, and nudges the hosts of its peers but not its own", async () => {
      // A peer on another host, then the new container on this one.
      const peerHost = await api.registerHost();
      await api.hostsTakingWork(peerHost);
      const a = (await create()).data;
      await api.hostsTakingWork(host);
      api.queues.clear();
      const b = (await create()).data;
      expect([a.hostId, b.hostId]).toEqual([peerHost.id, host.id]);
      const rows = await api.rows<{ container_id: string; ip: string; name: string }>(
        `SELECT a.container_id, a.ip, n.name FROM ip_allocations a JOIN networks n ON n.id = a.network_id
          WHERE a.container_id = ANY($1) ORDER BY a.container_id`,
        [[a.id, b.id]],
      );
      expect(rows.map((r) => r.name)).toEqual(['default', 'default']);
      expect(rows[0]!.ip).not.toBe(rows[1]!.ip);
      expect(b.networks).toEqual([
        expect.objectContaining({ ip: rows.find((r) => r.container_id === b.id)!.ip }),
      ]);
      // Its own host is not nudged: the create job's claim carries that host's data plane.
      await api.queues.nudgesSent();
      expect(api.queues.nudges).toEqual([peerHost.id]);
    });

    it('refuses a name the tenant already uses (409 container/name_taken) and writes nothing', async () => {
      await create({ name: 'twice' });
      api.queues.clear();
      expectError(
        await tenant.http.post('/v1/containers', { image: 'alpine:3.20', name: 'twice' }),
        409,
        'container/name_taken',
      );
      expect(await containerCount()).toBe(1);
      expect(api.queues.jobs).toEqual([]);
    });

    it('lets another tenant use the same name', async () => {
      await create({ name: 'shared-name' });
      const other = await api.newTenant();
      const res = await other.http.post('/v1/containers', { image: 'alpine:3.20', name: 'shared-name' });
      expect(res.status).toBe(202);
    });

    it("refuses a container past the tenant's quota (403 quota/exceeded) and writes nothing", async () => {
      expect(
        (await api.operator.post(`/v1/admin/tenants/${tenant.id}/quotas`, { containers: 1 })).status,
      ).toBe(200);
      await create();
      api.queues.clear();
      expectError(await tenant.http.post('/v1/containers', { image: 'alpine:3.20' }), 403, 'quota/exceeded');
      expect(await containerCount()).toBe(1);
      expect(api.queues.jobs).toEqual([]);
    });

    it('refuses new compute to a tenant that is past due (402 billing/past_due)', async () => {
      // As Stripe's invoice.payment_failed leaves it.
      await api.rows(`UPDATE tenants SET billing_status = 'past_due' WHERE id = $1`, [tenant.id]);
      expectError(
        await tenant.http.post('/v1/containers', { image: 'alpine:3.20' }),
        402,
        'billing/past_due',
      );
      expect(await containerCount()).toBe(0);
      expect(api.queues.jobs).toEqual([]);
    });

    it('refuses a network or a security group the tenant does not have (404), before placing anything', async () => {
      expectError(
        await tenant.http.post('/v1/containers', { image: 'alpine:3.20', networks: ['nope'] }),
        404,
        'network/not_found',
      );
      expectError(
        await tenant.http.post('/v1/containers', { image: 'alpine:3.20', securityGroups: ['nope'] }),
        404,
        'security_group/not_found',
      );
      expect(await containerCount()).toBe(0);
      expect(api.queues.jobs).toEqual([]);
    });

    it('joins the networks it names, in order, and wears the security groups it names', async () => {
      expect((await tenant.http.post('/v1/networks', { name: 'back', cidr: '10.9.0.0/24' })).status).toBe(
        201,
      );
      const group = await tenant.http.post('/v1/security-groups', { name: 'web' });
      expect(group.status).toBe(201);
      const c = (await create({ networks: ['back', 'default'], securityGroups: ['web'] })).data;
      const nics = await api.rows<{ name: string; ip: string; nic_index: number }>(
        `SELECT n.name, a.ip, a.nic_index FROM ip_allocations a JOIN networks n ON n.id = a.network_id
          WHERE a.container_id = $1 ORDER BY a.nic_index`,
        [c.id],
      );
      expect(nics.map((n) => n.name)).toEqual(['back', 'default']);
      expect(nics[0]!.ip).toMatch(/^10\.9\.0\./);
      expect(
        await api.rows(`SELECT group_id FROM container_security_groups WHERE container_id = $1`, [c.id]),
      ).toEqual([{ group_id: group.body.id }]);
      expect(c.securityGroups).toEqual([group.body.id]);
    });

    it('answers 409 capacity/unavailable when no host is ready, and writes nothing', async () => {
      await api.hostsTakingWork();
      expectError(
        await tenant.http.post('/v1/containers', { image: 'alpine:3.20' }),
        409,
        'capacity/unavailable',
      );
      expect(await containerCount()).toBe(0);
      expect(api.queues.jobs).toEqual([]);
    });

    it('makes a volume it names on the host it is placed on, attached at its path', async () => {
      const c = (await create({ volumes: ['data:/var/data'] })).data;
      expect(c.volumes).toEqual([expect.objectContaining({ name: 'data', path: '/var/data' })]);
      expect(
        await api.rows(
          `SELECT name, host_id, container_id, mount_path, state FROM volumes WHERE tenant_id = $1`,
          [tenant.id],
        ),
      ).toEqual([
        { name: 'data', host_id: host.id, container_id: c.id, mount_path: '/var/data', state: 'available' },
      ]);
    });

    it('goes where its existing volume lives, even with another host ready', async () => {
      const other = await api.registerHost();
      await api.hostsTakingWork(other);
      expect((await tenant.http.post('/v1/volumes', { name: 'pinned', sizeGb: 1 })).status).toBe(201);
      await api.hostsTakingWork(host, other);
      const a = (await create({ volumes: ['pinned:/a'] })).data;
      expect(a.hostId).toBe(other.id);
      expect(await api.rows(`SELECT host_id FROM containers WHERE id = $1`, [a.id])).toEqual([
        { host_id: other.id },
      ]);
      expect(api.queues.jobs.map((j) => j.hostId)).toEqual([other.id]);
    });

    it("refuses a container whose volume's host takes no work (409 host/not_ready)", async () => {
      const other = await api.registerHost();
      await api.hostsTakingWork(other);
      expect((await tenant.http.post('/v1/volumes', { name: 'stranded', sizeGb: 1 })).status).toBe(201);
      await api.hostsTakingWork(host);
      expectError(
        await tenant.http.post('/v1/containers', { image: 'alpine:3.20', volumes: ['stranded:/s'] }),
        409,
        'host/not_ready',
      );
      expect(await containerCount()).toBe(0);
    });

    it('refuses a volume another container holds (409 volume/in_use)', async () => {
      await create({ volumes: ['held:/h'] });
      const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', volumes: ['held:/h'] });
      expectError(res, 409, 'volume/in_use');
    });
  });

  describe('actions', () => {
    it('stop raises the generation, supersedes what was in flight and queues the stop for the new generation', async () => {
      const created = await create();
      const id = created.data.id;
      api.queues.clear();
      const res = await tenant.http.post(`/v1/containers/${id}/stop`);
      expect(res.status).toBe(202);
      expect(res.body.data).toMatchObject({ state: 'stopping', generation: 2 });
      expect(await operationsOf(id)).toEqual([
        expect.objectContaining({ id: created.operation.id, kind: 'container.create', state: 'superseded' }),
        expect.objectContaining({
          id: res.body.operation.id,
          kind: 'container.stop',
          state: 'pending',
          generation: 2,
        }),
      ]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          name: 'container.stop',
          hostId: host.id,
          data: { containerId: id, operationId: res.body.operation.id, generation: 2 },
        }),
      ]);
    });

    it('restart of a running container queues a restart for the next generation', async () => {
      const id = await running();
      api.queues.clear();
      const res = await tenant.http.post(`/v1/containers/${id}/restart`);
      expect(res.status).toBe(202);
      expect(await container(id)).toMatchObject({ state: 'restarting', generation: 2 });
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          name: 'container.restart',
          data: expect.objectContaining({ generation: 2 }),
        }),
      ]);
    });

    it('start of a stopped container queues a start and clears its last exit', async () => {
      const id = await stopped();
      api.queues.clear();
      const res = await tenant.http.post(`/v1/containers/${id}/start`);
      expect(res.status).toBe(202);
      expect(await container(id)).toMatchObject({ state: 'starting', generation: 3, exit_code: null });
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          name: 'container.start',
          data: expect.objectContaining({ generation: 3 }),
        }),
      ]);
    });

    it('refuses an action the state does not allow (409 container/invalid_state) and changes nothing', async () => {
      const id = await running();
      api.queues.clear();
      expectError(await tenant.http.post(`/v1/containers/${id}/start`), 409, 'container/invalid_state');
      expect(await container(id)).toMatchObject({ state: 'running', generation: 1 });
      expect(await operationsOf(id)).toEqual([expect.objectContaining({ kind: 'container.create' })]);
      expect(api.queues.jobs).toEqual([]);
    });

    it('start re-checks room on its own host: a host filled meanwhile answers 409 capacity/unavailable', async () => {
      const small = await api.registerHost({ vcpu: 1, memoryMib: 512 });
      await api.hostsTakingWork(small);
      const first = await stopped({ size: 's4' }, small);
      // A stopped container reserves nothing, so a second one fits in its place.
      expect((await create({ size: 's4' })).data.hostId).toBe(small.id);
      api.queues.clear();
      expectError(await tenant.http.post(`/v1/containers/${first}/start`), 409, 'capacity/unavailable');
      expect(await container(first)).toMatchObject({ state: 'stopped', generation: 2 });
      expect(api.queues.jobs).toEqual([]);
    });

    it("start re-checks the tenant's vCPU quota (403 quota/exceeded)", async () => {
      const id = await stopped({ size: 's4' });
      await create({ size: 's4' });
      expect((await api.operator.post(`/v1/admin/tenants/${tenant.id}/quotas`, { vcpus: 1 })).status).toBe(
        200,
      );
      api.queues.clear();
      expectError(await tenant.http.post(`/v1/containers/${id}/start`), 403, 'quota/exceeded');
      expect(await container(id)).toMatchObject({ state: 'stopped' });
      expect(api.queues.jobs).toEqual([]);
    });

    it('start is refused to a tenant past due (402), and stop is not', async () => {
      const id = await stopped();
      const other = await running();
      await api.rows(`UPDATE tenants SET billing_status = 'past_due' WHERE id = $1`, [tenant.id]);
      expectError(await tenant.http.post(`/v1/containers/${id}/start`), 402, 'billing/past_due');
      expect((await tenant.http.post(`/v1/containers/${other}/stop`)).status).toBe(202);
    });

    it('delete of a running container needs force; with it, the delete is queued and the rest superseded', async () => {
      const id = await running();
      await tenant.http.post(`/v1/containers/${id}/restart`);
      api.queues.clear();
      expectError(await tenant.http.delete(`/v1/containers/${id}`), 409, 'container/invalid_state');
      const res = await tenant.http.delete(`/v1/containers/${id}?force=true`);
      expect(res.status).toBe(202);
      expect(await container(id)).toMatchObject({ state: 'deleting', generation: 3 });
      expect((await operationsOf(id)).map((o) => [o.kind, o.state])).toEqual([
        ['container.create', 'succeeded'],
        ['container.restart', 'superseded'],
        ['container.delete', 'pending'],
      ]);
      expect(api.queues.jobs).toEqual([
        expect.objectContaining({
          name: 'container.delete',
          data: expect.objectContaining({ generation: 3 }),
        }),
      ]);
    });

    it('delete of a stopped container needs no force; its host reports it gone and it lets go of its address and volume', async () => {
      const id = await stopped({ volumes: ['kept:/k'] });
      const del = await tenant.http.delete(`/v1/containers/${id}`);
      expect(del.status).toBe(202);
      await report(host, id, 'agent.deleted', del.body.operation.id);
      expect(await container(id)).toMatchObject({ state: 'deleted' });
      expect(await api.rows(`SELECT * FROM ip_allocations WHERE container_id = $1`, [id])).toEqual([]);
      expect(
        await api.rows(`SELECT container_id, state FROM volumes WHERE name = 'kept' AND tenant_id = $1`, [
          tenant.id,
        ]),
      ).toEqual([{ container_id: null, state: 'available' }]);
      expect((await operationsOf(id)).at(-1)).toMatchObject({ kind: 'container.delete', state: 'succeeded' });
    });

    it('delete on a lost host ends at once: deleted, its operation done, no job, its usage closed, its volume free', async () => {
      const doomed = await api.registerHost();
      await api.hostsTakingWork(doomed);
      const id = await running({ volumes: ['left:/l'] }, doomed);
      await api.silenceHost(doomed);
      expect(await api.service(HostReaperService).reap()).toEqual([doomed.id]);
      expect(await container(id)).toMatchObject({ state: 'lost' });
      api.queues.clear();
      const res = await tenant.http.delete(`/v1/containers/${id}`);
      expect(res.status).toBe(202);
      expect(res.body.data.state).toBe('deleted');
      expect(res.body.operation).toMatchObject({ kind: 'container.delete', state: 'succeeded' });
      expect(await container(id)).toMatchObject({ state: 'deleted' });
      expect(await api.rows(`SELECT * FROM ip_allocations WHERE container_id = $1`, [id])).toEqual([]);
      expect(
        await api.rows(`SELECT * FROM usage_intervals WHERE resource_id = $1 AND ended_at IS NULL`, [id]),
      ).toEqual([]);
      expect(await api.rows(`SELECT container_id FROM volumes WHERE tenant_id = $1`, [tenant.id])).toEqual([
        { container_id: null },
      ]);
      expect(api.queues.jobs).toEqual([]);
    });

    it("another tenant's container is a 404 to every action, and is left alone", async () => {
      const id = await running();
      const other = await api.newTenant();
      api.queues.clear();
      expectError(await other.http.get(`/v1/containers/${id}`), 404, 'container/not_found');
      expectError(await other.http.post(`/v1/containers/${id}/stop`), 404, 'container/not_found');
      expectError(await other.http.delete(`/v1/containers/${id}?force=true`), 404, 'container/not_found');
      expect(await container(id)).toMatchObject({ state: 'running', generation: 1 });
      expect(api.queues.jobs).toEqual([]);
    });
  });
});
