import { expectError } from '@berth/testing';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * The data plane a host is told to build (`GET /v1/agent/dataplane`): its containers' networks with the
 * other hosts to tunnel to and every member, each NIC with its effective rules, and the floating IPs
 * pointed at its containers; and the nudges that tell hosts it changed.
 */
describe('data plane (in-process api)', () => {
  let api: InProcessApi;
  let hostA: TestHost;
  let hostB: TestHost;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await InProcessApi.start({ BERTH_FIP_POOL: '203.0.113.0/28' });
    hostA = await api.registerHost();
    hostB = await api.registerHost();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(async () => {
    tenant = await api.newTenant();
    api.queues.clear();
  });

  /** A container placed on `on`, reported running there. */
  async function runningOn(on: TestHost, body: Record<string, unknown> = {}, who = tenant): Promise<any> {
    await api.hostsTakingWork(on);
    const res = await who.http.post('/v1/containers', { image: 'alpine:3.20', ...body });
    expect(res.status).toBe(202);
    const event = await on.agent.post(`/v1/agent/containers/${res.body.data.id}/events`, {
      event: 'agent.running',
      at: new Date().toISOString(),
      generation: 1,
      operationId: res.body.operation.id,
    });
    expect(event.status).toBe(200);
    return res.body.data;
  }

  async function dataplane(of: TestHost): Promise<any> {
    const res = await of.agent.get('/v1/agent/dataplane');
    expect(res.status).toBe(200);
    return res.body;
  }

  /** The part of a data plane that is about these containers. */
  function portsOf(plane: any, ids: string[]): any[] {
    return plane.ports.filter((p: any) => ids.includes(p.containerId));
  }

  it('a host with nothing on it gets an empty data plane', async () => {
    const idle = await api.registerHost();
    expect(await dataplane(idle)).toEqual({
      hostId: idle.id,
      readAt: expect.any(String),
      networks: [],
      ports: [],
      floatingIps: [],
    });
  });

  it('a network across two hosts: each tunnels to the other, knows every member, and wires only its own ports', async () => {
    const a = await runningOn(hostA, { name: 'alpha' });
    const b = await runningOn(hostB, { name: 'beta' });
    const [network] = await api.rows<{ id: string; vni: number; cidr: string }>(
      `SELECT id, vni, cidr FROM networks WHERE tenant_id = $1`,
      [tenant.id],
    );
    const ipOf = (c: any): string => c.networks[0].ip;
    for (const [self, other, mine] of [
      [hostA, hostB, a],
      [hostB, hostA, b],
    ] as const) {
      const plane = await dataplane(self);
      const net = plane.networks.find((n: any) => n.id === network!.id);
      expect(net).toMatchObject({ vni: network!.vni, cidr: network!.cidr, peers: [other.address] });
      expect(net.members).toEqual([
        { name: 'alpha', ip: ipOf(a) },
        { name: 'beta', ip: ipOf(b) },
      ]);
      expect(portsOf(plane, [a.id, b.id])).toEqual([
        expect.objectContaining({ containerId: mine.id, networkId: network!.id, ip: ipOf(mine) }),
      ]);
    }
  });

  it("a port with no security group admits its own networks' traffic and sends anywhere", async () => {
    const c = await runningOn(hostA);
    const [network] = await api.rows<{ cidr: string }>(`SELECT cidr FROM networks WHERE tenant_id = $1`, [
      tenant.id,
    ]);
    const [port] = portsOf(await dataplane(hostA), [c.id]);
    expect(port.ingress).toEqual([{ protocol: 'all', portFrom: null, portTo: null, cidrs: [network!.cidr] }]);
    expect(port.egress).toEqual([{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }]);
  });

  it("a security group's rules become the port's rules, a remote group its members' addresses", async () => {
    const clients = await tenant.http.post('/v1/security-groups', { name: 'clients' });
    expect(clients.status).toBe(201);
    const web = await tenant.http.post('/v1/security-groups', {
      name: 'web',
      rules: [
        { direction: 'ingress', protocol: 'tcp', portFrom: 443, portTo: 443, cidr: '198.51.100.0/24' },
        { direction: 'ingress', protocol: 'tcp', portFrom: 80, portTo: 80, remoteGroup: 'clients' },
        { direction: 'egress', protocol: 'all', cidr: '0.0.0.0/0' },
      ],
    });
    expect(web.status).toBe(201);
    const client = await runningOn(hostB, { securityGroups: ['clients'] });
    const server = await runningOn(hostA, { securityGroups: ['web'] });
    const [port] = portsOf(await dataplane(hostA), [server.id]);
    expect(port.ingress).toEqual([
      { protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: [`${client.networks[0].ip}/32`] },
      { protocol: 'tcp', portFrom: 443, portTo: 443, cidrs: ['198.51.100.0/24'] },
    ]);
    expect(port.egress).toEqual([{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }]);
  });

  it("adding a rule nudges the hosts of the group's members", async () => {
    expect((await tenant.http.post('/v1/security-groups', { name: 'edge' })).status).toBe(201);
    await runningOn(hostB, { securityGroups: ['edge'] });
    api.queues.clear();
    const res = await tenant.http.post('/v1/security-groups/edge/rules', {
      direction: 'ingress',
      protocol: 'tcp',
      portFrom: 22,
      portTo: 22,
      cidr: '192.0.2.0/24',
    });
    expect(res.status).toBe(201);
    await api.queues.nudgesSent();
    expect(api.queues.nudges).toEqual([hostB.id]);
    expect(api.queues.jobs).toEqual([]);
  });

  it("a deleted container leaves its network's members and its host's ports", async () => {
    const stays = await runningOn(hostA, { name: 'stays' });
    const leaves = await runningOn(hostB, { name: 'leaves' });
    const del = await tenant.http.delete(`/v1/containers/${leaves.id}?force=true`);
    expect(del.status).toBe(202);
    const gone = await hostB.agent.post(`/v1/agent/containers/${leaves.id}/events`, {
      event: 'agent.deleted',
      at: new Date().toISOString(),
      generation: 2,
      operationId: del.body.operation.id,
    });
    expect(gone.status).toBe(200);
    const planA = await dataplane(hostA);
    const net = planA.networks.find((n: any) => n.id === stays.networks[0].networkId);
    expect(net.members.map((m: any) => m.name)).toEqual(['stays']);
    expect(net.peers).toEqual([]);
    expect(portsOf(await dataplane(hostB), [leaves.id])).toEqual([]);
  });

  it("tenants' networks are apart: another tenant's container on the same host is on its own VNI", async () => {
    const mine = await runningOn(hostA, { name: 'same-name' });
    const other = await api.newTenant();
    const theirs = await runningOn(hostA, { name: 'same-name' }, other);
    const plane = await dataplane(hostA);
    const mineNet = plane.networks.find((n: any) => n.id === mine.networks[0].networkId);
    const theirNet = plane.networks.find((n: any) => n.id === theirs.networks[0].networkId);
    expect(mineNet.vni).not.toBe(theirNet.vni);
    expect(mineNet.members).toEqual([{ name: 'same-name', ip: mine.networks[0].ip }]);
    expect(theirNet.members).toEqual([{ name: 'same-name', ip: theirs.networks[0].ip }]);
  });

  it('a floating IP attached to a container is NATed on its host to its first NIC, and that host is nudged', async () => {
    const c = await runningOn(hostB);
    const fip = await tenant.http.post('/v1/fips', {});
    expect(fip.status).toBe(201);
    api.queues.clear();
    const attach = await tenant.http.post(`/v1/fips/${fip.body.id}/attach`, { container: c.id });
    expect(attach.status).toBe(200);
    await api.queues.nudgesSent();
    expect(api.queues.nudges).toEqual([hostB.id]);
    expect((await dataplane(hostB)).floatingIps).toEqual(
      expect.arrayContaining([{ address: fip.body.address, containerId: c.id, privateIp: c.networks[0].ip }]),
    );
    expect((await dataplane(hostA)).floatingIps.map((f: any) => f.address)).not.toContain(fip.body.address);
  });

  it("a claim carries only its container's part: its networks whole, its own port, none of the host's other containers", async () => {
    const peer = await runningOn(hostB, { name: 'peer' });
    const other = await api.newTenant();
    const neighbour = await runningOn(hostA, { name: 'neighbour' }, other);
    await api.hostsTakingWork(hostA);
    const res = await tenant.http.post('/v1/containers', { image: 'alpine:3.20', name: 'fresh' });
    expect(res.status).toBe(202);
    const claim = await hostA.agent.post(`/v1/agent/operations/${res.body.operation.id}/claim`, {
      at: new Date().toISOString(),
      generation: res.body.data.generation,
    });
    expect(claim.status).toBe(200);
    const part = claim.body.dataplane;
    expect(part.scope).toEqual({ containerIds: [res.body.data.id] });
    expect(part.networks).toEqual([
      expect.objectContaining({
        id: peer.networks[0].networkId,
        peers: [hostB.address],
        members: [
          { name: 'fresh', ip: res.body.data.networks[0].ip },
          { name: 'peer', ip: peer.networks[0].ip },
        ],
      }),
    ]);
    expect(part.ports.map((p: any) => p.containerId)).toEqual([res.body.data.id]);
    // The host's whole data plane (what the agent merges the part into) still has the neighbour.
    expect(portsOf(await dataplane(hostA), [neighbour.id])).toHaveLength(1);
  });

  it('only a host token reads a data plane (401 for a tenant key)', async () => {
    expectError(await tenant.http.get('/v1/agent/dataplane'), 401, 'auth/unauthenticated');
  });
});
