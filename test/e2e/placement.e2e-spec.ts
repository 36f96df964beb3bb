import { TestStack, waitOp, type HttpResult, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

interface HostRow {
  id: string;
  name: string;
  state: string;
  capacity: { vcpu: number; memoryMib: number; diskGib: number };
  reserved: { vcpu: number; memoryMib: number; diskGib: number };
}

/**
 * Placement and capacity with real processes: two small hosts (2 vCPU / 1024 MiB each, so two s4
 * containers of 1 vCPU / 512 MiB fit on each), the spread policy, and concurrent creates that must never
 * over-commit a host, since each create locks the host rows while it places (apps/api/src/hosts/host-snapshots.ts).
 */
describe('placement and capacity (api + two agents)', () => {
  const stack = new TestStack('placement', { BERTH_PLACEMENT_POLICY: 'spread' });
  const small = { BERTH_HOST_VCPU: '2', BERTH_HOST_MEMORY_MIB: '1024' };
  let tenant: TestHttpClient;

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({ name: 'host-a', env: small });
    await stack.startAgent({ name: 'host-b', env: small });
    tenant = (await stack.tenant('placement')).http;
  });

  afterAll(() => stack.stop());

  async function hosts(): Promise<HostRow[]> {
    const res = await stack.operator.get('/v1/admin/hosts');
    expect(res.status).toBe(200);
    return res.body.data as HostRow[];
  }

  function expectNoOvercommit(rows: HostRow[]): void {
    for (const h of rows) {
      expect(h.reserved.vcpu).toBeLessThanOrEqual(h.capacity.vcpu);
      expect(h.reserved.memoryMib).toBeLessThanOrEqual(h.capacity.memoryMib);
      expect(h.reserved.diskGib).toBeLessThanOrEqual(h.capacity.diskGib);
    }
  }

  async function create(name: string): Promise<HttpResult> {
    return tenant.post('/v1/containers', { image: 'busybox:latest', name, size: 's4' });
  }

  function expectCapacityRefusal(res: HttpResult): void {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: 409,
      code: 'capacity/unavailable',
    });
    expect(res.body.error.message).toMatch(/room for 1 vCPU/);
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  }

  it('registers both hosts with the capacity their agents report', async () => {
    const rows = await hosts();
    expect(rows.map((h) => h.name).sort()).toEqual(['host-a', 'host-b']);
    for (const h of rows) {
      expect(h).toMatchObject({
        state: 'ready',
        capacity: { vcpu: 2, memoryMib: 1024 },
        reserved: { vcpu: 0, memoryMib: 0, diskGib: 0 },
      });
    }
  });

  it('spreads two containers over the two hosts', async () => {
    const a = await create('spread-1');
    expect(a.status).toBe(202);
    const b = await create('spread-2');
    expect(b.status).toBe(202);
    expect(a.body.data.hostId).toMatch(/^hst_/);
    expect(b.body.data.hostId).toMatch(/^hst_/);
    expect(b.body.data.hostId).not.toBe(a.body.data.hostId);
    expect(await waitOp(tenant, a.body.operation.id)).toMatchObject({ state: 'succeeded' });
    expect(await waitOp(tenant, b.body.operation.id)).toMatchObject({ state: 'succeeded' });

    const rows = await hosts();
    for (const h of rows) expect(h.reserved).toMatchObject({ vcpu: 1, memoryMib: 512 });

    // Leave both hosts empty for the next test.
    for (const name of ['spread-1', 'spread-2']) {
      const del = await tenant.delete(`/v1/containers/${name}?force=true`);
      expect(del.status).toBe(202);
      expect(await waitOp(tenant, del.body.operation.id)).toMatchObject({ state: 'succeeded' });
    }
    for (const h of await hosts()) expect(h.reserved).toEqual({ vcpu: 0, memoryMib: 0, diskGib: 0 });
  });

  describe('when full', () => {
    const placed: { id: string; hostId: string; op: string }[] = [];

    it('never over-commits a host under 12 concurrent creates', async () => {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => create(`burst-${i}`)));
      const accepted = answers.filter((a) => a.status === 202);
      const refused = answers.filter((a) => a.status !== 202);
      for (const a of accepted) {
        placed.push({
          id: a.body.data.id as string,
          hostId: a.body.data.hostId as string,
          op: a.body.operation.id as string,
        });
      }
      // 2 hosts x 2 vCPU, 1 vCPU each: exactly four fit.
      expect(accepted).toHaveLength(4);
      expect(refused).toHaveLength(8);
      for (const r of refused) expectCapacityRefusal(r);
      // Two on each host.
      const perHost = new Map<string, number>();
      for (const p of placed) perHost.set(p.hostId, (perHost.get(p.hostId) ?? 0) + 1);
      expect([...perHost.values()]).toEqual([2, 2]);

      const rows = await hosts();
      expectNoOvercommit(rows);
      for (const h of rows) expect(h.reserved).toMatchObject({ vcpu: 2, memoryMib: 1024 });
      for (const p of placed) expect(await waitOp(tenant, p.op)).toMatchObject({ state: 'succeeded' });

      // Refused creates left nothing behind: only the four accepted containers exist.
      const list = await tenant.get('/v1/containers?limit=200');
      expect((list.body.data as { id: string }[]).map((c) => c.id).sort()).toEqual(
        placed.map((p) => p.id).sort(),
      );
      // And one more is refused with a message a person can act on.
      const more = await create('one-too-many');
      expectCapacityRefusal(more);
      expect(more.body.error.message).toMatch(/no ready host has room for 1 vCPU \/ 512 MiB/);
    });

    it('frees vCPU and memory when a container stops, so another fits there', async () => {
      const victim = placed[0]!;
      const stop = await tenant.post(`/v1/containers/${victim.id}/stop`);
      expect(stop.status).toBe(202);
      expect(await waitOp(tenant, stop.body.operation.id)).toMatchObject({ state: 'succeeded' });
      expect((await tenant.get(`/v1/containers/${victim.id}`)).body.state).toBe('stopped');

      const host = (await hosts()).find((h) => h.id === victim.hostId)!;
      expect(host.reserved).toMatchObject({ vcpu: 1, memoryMib: 512 });

      const next = await create('takes-the-slot');
      expect(next.status).toBe(202);
      expect(next.body.data.hostId).toBe(victim.hostId);
      expect(await waitOp(tenant, next.body.operation.id)).toMatchObject({ state: 'succeeded' });
      const rows = await hosts();
      expectNoOvercommit(rows);
      for (const h of rows) expect(h.reserved).toMatchObject({ vcpu: 2, memoryMib: 1024 });
    });

    it('refuses to start a stopped container on its full host, and starts it once there is room', async () => {
      const victim = placed[0]!;
      const start = await tenant.post(`/v1/containers/${victim.id}/start`);
      expect({ status: start.status, code: start.body?.error?.code }).toEqual({
        status: 409,
        code: 'capacity/unavailable',
      });
      expect(start.body.error.message).toMatch(/has no room for 1 vCPU and 512 MiB/);
      // The refusal changed nothing.
      expect((await tenant.get(`/v1/containers/${victim.id}`)).body).toMatchObject({
        state: 'stopped',
        hostId: victim.hostId,
      });
      expectNoOvercommit(await hosts());

      // Make room on that host (and only that one), then the start goes through.
      const neighbour = placed.find((p) => p.hostId === victim.hostId && p.id !== victim.id)!;
      const del = await tenant.delete(`/v1/containers/${neighbour.id}?force=true`);
      expect(del.status).toBe(202);
      expect(await waitOp(tenant, del.body.operation.id)).toMatchObject({ state: 'succeeded' });
      const again = await tenant.post(`/v1/containers/${victim.id}/start`);
      expect(again.status).toBe(202);
      expect(await waitOp(tenant, again.body.operation.id)).toMatchObject({ state: 'succeeded' });
      expect((await tenant.get(`/v1/containers/${victim.id}`)).body).toMatchObject({
        state: 'running',
        hostId: victim.hostId,
      });
      const rows = await hosts();
      expectNoOvercommit(rows);
      for (const h of rows) expect(h.reserved).toMatchObject({ vcpu: 2, memoryMib: 1024 });
    });

    it('never over-commits when concurrent starts race for one free slot', async () => {
      // Free exactly one slot on one host by stopping two containers there and starting one other.
      const hostId = placed[0]!.hostId;
      const onHost = (await tenant.get('/v1/containers?state=running&limit=200')).body.data.filter(
        (c: { hostId: string }) => c.hostId === hostId,
      ) as { id: string }[];
      expect(onHost).toHaveLength(2);
      for (const c of onHost) {
        const stop = await tenant.post(`/v1/containers/${c.id}/stop`);
        expect(await waitOp(tenant, stop.body.operation.id)).toMatchObject({ state: 'succeeded' });
      }
      const filler = await create('filler');
      expect(filler.status).toBe(202);
      expect(filler.body.data.hostId).toBe(hostId);
      expect(await waitOp(tenant, filler.body.operation.id)).toMatchObject({ state: 'succeeded' });

      const starts = await Promise.all(onHost.map((c) => tenant.post(`/v1/containers/${c.id}/start`)));
      expect(starts.map((s) => s.status).sort()).toEqual([202, 409]);
      expect(starts.find((s) => s.status === 409)!.body.error.code).toBe('capacity/unavailable');
      const accepted = starts.find((s) => s.status === 202)!;
      expect(await waitOp(tenant, accepted.body.operation.id)).toMatchObject({ state: 'succeeded' });
      const rows = await hosts();
      expectNoOvercommit(rows);
      for (const h of rows) expect(h.reserved).toMatchObject({ vcpu: 2, memoryMib: 1024 });
    });
  });
});
