import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TestHttpClient, TestStack, waitFor, waitOp, type HttpResult } from '@berth/testing';

jest.setTimeout(180_000);

/**
 * Tenant networks, IPAM, security groups and floating IPs through the public API, and the data plane
 * that a host's agent reads for them (GET /v1/agent/dataplane), with the API and two hollow agents as
 * separate processes. The floating-IP pool is a documentation block: its addresses are only stored.
 */
describe('networks, security groups and floating IPs (api + agent processes)', () => {
  const POOL = '203.0.113.0/29'; // .1 to .6 are allocatable
  const stack = new TestStack('networks', { BERTH_FIP_POOL: POOL });
  let t: TestHttpClient;
  let other: TestHttpClient;
  /** Agent credentials by host id, read from each agent's own state dir. */
  const agents = new Map<string, { name: string; address: string; http: TestHttpClient }>();

  const BIG_HOST = { BERTH_HOST_VCPU: '64', BERTH_HOST_MEMORY_MIB: '65536', BERTH_HOST_DISK_GIB: '2000' };

  beforeAll(async () => {
    await stack.start();
    for (const [name, address] of [
      ['host-a', '192.0.2.11'],
      ['host-b', '192.0.2.12'],
    ] as const) {
      const agent = await stack.startAgent({ name, env: { ...BIG_HOST, BERTH_HOST_ADDRESS: address } });
      const identity = JSON.parse(readFileSync(path.join(agent.stateDir, 'host.json'), 'utf8')) as {
        hostId: string;
        token: string;
      };
      agents.set(identity.hostId, { name, address, http: stack.anonymous().as(identity.token) });
    }
    t = (await stack.tenant('net-tenant')).http;
    other = (await stack.tenant('net-other')).http;
  });

  afterAll(() => stack.stop());

  function expectCode(res: HttpResult, status: number, code: string): void {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  }

  async function run(client: TestHttpClient, body: Record<string, unknown>): Promise<any> {
    const res = await client.post('/v1/containers', { image: 'busybox:latest', size: 's1', ...body });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202 });
    return res.body;
  }

  async function remove(client: TestHttpClient, ref: string): Promise<void> {
    const res = await client.delete(`/v1/containers/${ref}?force=true`);
    expect(res.status).toBe(202);
    expect(await waitOp(client, res.body.operation.id)).toMatchObject({ state: 'succeeded' });
  }

  const nic0 = (c: any): { networkId: string; name: string; ip: string; mac: string } => c.networks[0];

  describe('networks and addresses', () => {
    it('gives the first container a NIC on a default network made for it', async () => {
      expect((await t.get('/v1/networks')).body).toEqual({ data: [], nextCursor: null });
      const created = await run(t, { name: 'first' });
      expect(created.data.networks).toEqual([
        {
          networkId: expect.stringMatching(/^net_/),
          name: 'default',
          ip: '10.240.0.2',
          mac: expect.stringMatching(/^52:54:00(:[0-9a-f]{2}){3}$/),
        },
      ]);
      expect(created.data.securityGroups).toEqual([]);
      await waitOp(t, created.operation.id);
      const nets = (await t.get('/v1/networks')).body.data;
      expect(nets).toEqual([
        {
          id: nic0(created.data).networkId,
          name: 'default',
          cidr: '10.240.0.0/24',
          gateway: '10.240.0.1',
          isDefault: true,
          createdAt: expect.any(String),
        },
      ]);
      // The view keeps showing it, and another tenant gets its own default network, in the next free block
      // (blocks are unique across tenants, so that a host routes every network unambiguously).
      expect((await t.get('/v1/containers/first')).body.networks).toEqual(created.data.networks);
      const theirs = await run(other, { name: 'first' });
      expect(nic0(theirs.data)).toMatchObject({ name: 'default', ip: '10.240.1.2' });
      expect(nic0(theirs.data).networkId).not.toBe(nic0(created.data).networkId);
      expect(nic0(theirs.data).mac).not.toBe(nic0(created.data).mac);
    });

    it('creates networks with a block, refusing bad blocks, overlaps and taken names', async () => {
      const backend = await t.post('/v1/networks', { name: 'backend', cidr: '10.50.0.0/24' });
      expect(backend.status).toBe(201);
      expect(backend.body).toMatchObject({
        id: expect.stringMatching(/^net_/),
        name: 'backend',
        cidr: '10.50.0.0/24',
        gateway: '10.50.0.1',
        isDefault: false,
      });
      expect((await t.get('/v1/networks/backend')).body.id).toBe(backend.body.id);
      expect((await t.get(`/v1/networks/${backend.body.id}`)).body.name).toBe('backend');

      const overlap = await t.post('/v1/networks', { name: 'wide', cidr: '10.50.0.0/16' });
      expectCode(overlap, 409, 'network/overlap');
      expect(overlap.body.error.message).toMatch(/backend/);
      expectCode(
        await t.post('/v1/networks', { name: 'inner', cidr: '10.50.0.128/25' }),
        409,
        'network/overlap',
      );
      expectCode(
        await t.post('/v1/networks', { name: 'backend', cidr: '10.51.0.0/24' }),
        409,
        'network/name_taken',
      );

      for (const [cidr, message] of [
        ['10.50.1.1/24', /did you mean 10.50.1.0\/24/],
        ['8.8.8.0/24', /private range/],
        ['10.0.0.0/8', /\/16 to \/29/],
        ['10.0.0.0/30', /\/16 to \/29/],
        ['not-a-block', /IPv4 block/],
      ] as const) {
        const res = await t.post('/v1/networks', { name: 'bad', cidr });
        expectCode(res, 400, 'request/invalid');
        expect(res.body.error.message).toMatch(message);
      }
      expectCode(await t.post('/v1/networks', { name: 'bad name!' }), 400, 'request/invalid');
      expectCode(await t.post('/v1/networks', { name: 'x', cidr: 42 }), 400, 'request/invalid');

      // Without a block: the default block is taken by `default`, so the next one of its size.
      const auto = await t.post('/v1/networks', { name: 'auto' });
      expect(auto.body).toMatchObject({ cidr: '10.240.2.0/24', gateway: '10.240.2.1' });
      // Another tenant cannot take a block in use, and learns nothing about whose it is.
      const taken = await other.post('/v1/networks', { name: 'backend', cidr: '10.50.0.0/24' });
      expectCode(taken, 409, 'network/overlap');
      expect(taken.body.error.message).not.toMatch(/backend|auto|default/);
      expect((await other.post('/v1/networks', { name: 'backend', cidr: '10.52.0.0/24' })).status).toBe(201);
    });

    it('joins a container to several networks in order, and refuses unknown or repeated ones', async () => {
      const both = await run(t, { name: 'two-nics', networks: ['backend', 'default'] });
      expect(both.data.networks.map((n: any) => [n.name, n.ip])).toEqual([
        ['backend', '10.50.0.2'],
        ['default', '10.240.0.3'],
      ]);
      await waitOp(t, both.operation.id);
      expectCode(
        await t.post('/v1/containers', { image: 'busybox', networks: ['nowhere'] }),
        404,
        'network/not_found',
      );
      expectCode(
        await t.post('/v1/containers', { image: 'busybox', networks: ['backend', 'backend'] }),
        400,
        'request/invalid',
      );
      expectCode(await t.post('/v1/containers', { image: 'busybox', networks: [] }), 400, 'request/invalid');
      expectCode(
        await t.post('/v1/containers', { image: 'busybox', networks: ['a', 'b', 'c', 'd', 'e'] }),
        400,
        'request/invalid',
      );
      // Another tenant's network is not found, by name or by id.
      const theirs = (await other.get('/v1/networks/backend')).body.id as string;
      expectCode(
        await t.post('/v1/containers', { image: 'busybox', networks: [theirs] }),
        404,
        'network/not_found',
      );
    });

    it('never gives two of 20 concurrent launches one address or MAC, and says when a network is full', async () => {
      const tight = await t.post('/v1/networks', { name: 'tight', cidr: '10.60.0.0/27' });
      expect(tight.status).toBe(201);
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.post('/v1/containers', { image: 'busybox', size: 's1', name: `burst-${i}`, networks: ['tight'] }),
        ),
      );
      expect(burst.map((r) => r.status)).toEqual(Array(20).fill(202));
      const views = await Promise.all(
        burst.map(async (r) => (await t.get(`/v1/containers/${r.body.data.id}`)).body),
      );
      const ips = views.map((v) => nic0(v).ip);
      const macs = views.map((v) => nic0(v).mac);
      expect(new Set(ips).size).toBe(20);
      expect(new Set(macs).size).toBe(20);
      // The 20 lowest host addresses after the gateway, in some order.
      expect([...ips].sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3]))).toEqual(
        Array.from({ length: 20 }, (_, i) => `10.60.0.${i + 2}`),
      );
      // A /27 has 30 hosts; one is the gateway: 29 fit.
      for (let i = 20; i < 29; i++) await run(t, { name: `burst-${i}`, networks: ['tight'] });
      const full = await t.post('/v1/containers', { image: 'busybox', size: 's1', networks: ['tight'] });
      expectCode(full, 409, 'network/full');
      expect(full.body.error.message).toMatch(/tight/);
      const all = (await t.get('/v1/containers?limit=200')).body.data;
      const tightIps = all.filter((c: any) => c.networks[0]?.name === 'tight').map((c: any) => nic0(c).ip);
      expect(tightIps).toHaveLength(29);
      expect(new Set(tightIps).size).toBe(29);
      expect(tightIps).not.toContain('10.60.0.1');
      expect(tightIps).not.toContain('10.60.0.31');
      const everyMac = all.flatMap((c: any) => c.networks.map((n: any) => n.mac));
      expect(new Set(everyMac).size).toBe(everyMac.length);
    });

    it('frees addresses when containers are deleted and gives them out again', async () => {
      const victim = (await t.get('/v1/containers/burst-3')).body;
      const freed = nic0(victim).ip;
      await remove(t, 'burst-3');
      const again = await run(t, { name: 'reuse', networks: ['tight'] });
      expect(nic0(again.data).ip).toBe(freed);
      expectCode(
        await t.post('/v1/containers', { image: 'busybox', networks: ['tight'] }),
        409,
        'network/full',
      );
    });

    it('refuses to delete a network in use, and deletes it once empty', async () => {
      const refused = await t.delete('/v1/networks/tight');
      expectCode(refused, 409, 'network/in_use');
      expect(refused.body.error.message).toMatch(/burst-|reuse/);
      expectCode(await t.delete('/v1/networks/default'), 409, 'network/in_use');
      const users = (await t.get('/v1/containers?limit=200')).body.data.filter(
        (c: any) => c.networks[0]?.name === 'tight',
      );
      await Promise.all(users.map((c: any) => remove(t, c.id)));
      const gone = await t.delete('/v1/networks/tight');
      expect(gone.status).toBe(200);
      expect(gone.body.name).toBe('tight');
      expectCode(await t.get('/v1/networks/tight'), 404, 'network/not_found');
      expectCode(await t.delete('/v1/networks/tight'), 404, 'network/not_found');
      // The name is free again, and the new network is another segment.
      const reborn = await t.post('/v1/networks', { name: 'tight', cidr: '10.60.0.0/27' });
      expect(reborn.status).toBe(201);
      expect(reborn.body.id).not.toBe(gone.body.id);
      expect((await t.delete('/v1/networks/tight')).status).toBe(200);
    });

    it('lists networks a page at a time', async () => {
      const first = await t.get('/v1/networks?limit=2');
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const rest = await t.get(`/v1/networks?limit=50&cursor=${first.body.nextCursor}`);
      const names = [...first.body.data, ...rest.body.data].map((n: any) => n.name);
      expect(names.sort()).toEqual(['auto', 'backend', 'default']);
      expect(rest.body.nextCursor).toBeNull();
    });
  });

  describe('security groups', () => {
    let web: any;
    let db: any;

    it('creates a group that allows all egress and no ingress', async () => {
      const res = await t.post('/v1/security-groups', { name: 'web', description: 'web servers' });
      expect(res.status).toBe(201);
      web = res.body;
      expect(web).toMatchObject({
        id: expect.stringMatching(/^sg_/),
        name: 'web',
        description: 'web servers',
      });
      expect(web.rules).toEqual([
        {
          id: expect.stringMatching(/^sgr_/),
          direction: 'egress',
          protocol: 'all',
          portFrom: null,
          portTo: null,
          cidr: '0.0.0.0/0',
          remoteGroupId: null,
        },
      ]);
      expectCode(await t.post('/v1/security-groups', { name: 'web' }), 409, 'security_group/name_taken');
    });

    it('creates a group with rules, naming another group as the peer', async () => {
      const res = await t.post('/v1/security-groups', {
        name: 'db',
        rules: [{ direction: 'ingress', protocol: 'tcp', portFrom: 5432, remoteGroup: 'web' }],
      });
      expect(res.status).toBe(201);
      db = res.body;
      expect(
        db.rules.map((r: any) => [r.direction, r.protocol, r.portFrom, r.portTo, r.cidr, r.remoteGroupId]),
      ).toEqual([
        ['egress', 'all', null, null, '0.0.0.0/0', null],
        ['ingress', 'tcp', 5432, 5432, null, web.id],
      ]);
      // Given its own egress rule, a group gets no default one.
      const locked = await t.post('/v1/security-groups', {
        name: 'locked',
        rules: [{ direction: 'egress', protocol: 'udp', portFrom: 53, cidr: '10.240.0.1' }],
      });
      expect(locked.body.rules).toEqual([
        expect.objectContaining({ protocol: 'udp', cidr: '10.240.0.1/32' }),
      ]);
      expect((await t.delete('/v1/security-groups/locked')).status).toBe(200);
    });

    it('validates rules', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ direction: 'ingress', protocol: 'icmp', portFrom: 1, cidr: '0.0.0.0/0' }, /only to tcp and udp/],
        [
          { direction: 'ingress', protocol: 'tcp', portFrom: 443, portTo: 80, cidr: '0.0.0.0/0' },
          /below portFrom/,
        ],
        [{ direction: 'ingress', protocol: 'tcp', portFrom: 0, cidr: '0.0.0.0/0' }, /portFrom/],
        [{ direction: 'ingress', protocol: 'tcp', portFrom: 70000, cidr: '0.0.0.0/0' }, /portFrom/],
        [{ direction: 'ingress', protocol: 'tcp', portTo: 80, cidr: '0.0.0.0/0' }, /portTo needs portFrom/],
        [{ direction: 'ingress', protocol: 'tcp', portFrom: 80 }, /exactly one of cidr/],
        [
          { direction: 'ingress', protocol: 'tcp', cidr: '0.0.0.0/0', remoteGroup: 'web' },
          /exactly one of cidr/,
        ],
        [{ direction: 'ingress', protocol: 'tcp', cidr: '10.0.0.1/8' }, /host bits/],
        [{ direction: 'inward', protocol: 'tcp', cidr: '0.0.0.0/0' }, /direction/],
        [{ direction: 'ingress', protocol: 'gre', cidr: '0.0.0.0/0' }, /protocol/],
      ];
      for (const [rule, message] of cases) {
        const res = await t.post('/v1/security-groups/web/rules', rule);
        expectCode(res, 400, 'request/invalid');
        expect(res.body.error.message).toMatch(message);
      }
      const nested = await t.post('/v1/security-groups', {
        name: 'broken',
        rules: [{ direction: 'ingress', protocol: 'udp', portFrom: 9, portTo: 1, cidr: '0.0.0.0/0' }],
      });
      expectCode(nested, 400, 'request/invalid');
      expect(nested.body.error.message).toMatch(/rules\[0\]/);
      // A remote group must be the tenant's own.
      const theirs = await other.post('/v1/security-groups', { name: 'theirs' });
      expectCode(
        await t.post('/v1/security-groups/web/rules', {
          direction: 'ingress',
          protocol: 'all',
          remoteGroup: theirs.body.id,
        }),
        404,
        'security_group/not_found',
      );
      expectCode(
        await t.post('/v1/security-groups/web/rules', {
          direction: 'ingress',
          protocol: 'all',
          remoteGroup: 'theirs',
        }),
        404,
        'security_group/not_found',
      );
      expect((await t.get('/v1/security-groups/web')).body.rules).toHaveLength(1);
    });

    it('adds and removes rules', async () => {
      const http = { direction: 'ingress', protocol: 'tcp', portFrom: 80, cidr: '0.0.0.0/0' };
      const added = await t.post('/v1/security-groups/web/rules', http);
      expect(added.status).toBe(201);
      expect(added.body.rules).toHaveLength(2);
      const rule = added.body.rules.find((r: any) => r.direction === 'ingress');
      expect(rule).toMatchObject({ protocol: 'tcp', portFrom: 80, portTo: 80, cidr: '0.0.0.0/0' });
      // The same rule again changes nothing.
      expect((await t.post('/v1/security-groups/web/rules', http)).body.rules).toHaveLength(2);
      const ssh = await t.post(`/v1/security-groups/${web.id}/rules`, {
        direction: 'ingress',
        protocol: 'tcp',
        portFrom: 22,
        cidr: '198.51.100.0/24',
      });
      const sshRule = ssh.body.rules.find((r: any) => r.portFrom === 22);
      const removed = await t.delete(`/v1/security-groups/web/rules/${sshRule.id}`);
      expect(removed.status).toBe(200);
      expect(removed.body.rules.map((r: any) => r.id)).not.toContain(sshRule.id);
      expectCode(
        await t.delete(`/v1/security-groups/web/rules/${sshRule.id}`),
        404,
        'security_rule/not_found',
      );
      // A rule of one group is not found through another.
      expectCode(await t.delete(`/v1/security-groups/db/rules/${rule.id}`), 404, 'security_rule/not_found');
    });

    it('attaches groups at create and later, and refuses to delete a group in use', async () => {
      const web1 = await run(t, { name: 'web-1', securityGroups: ['web'] });
      expect(web1.data.securityGroups).toEqual([web.id]);
      await waitOp(t, web1.operation.id);
      const db1 = await run(t, { name: 'db-1' });
      await waitOp(t, db1.operation.id);
      expectCode(
        await t.post('/v1/containers', { image: 'busybox', securityGroups: ['nope'] }),
        404,
        'security_group/not_found',
      );

      const attached = await t.post('/v1/containers/db-1/security-groups', { group: 'db' });
      expect(attached.status).toBe(200);
      expect(attached.body.securityGroups).toEqual([db.id]);
      // Attaching twice changes nothing.
      expect(
        (await t.post('/v1/containers/db-1/security-groups', { group: db.id })).body.securityGroups,
      ).toEqual([db.id]);
      expect((await t.get('/v1/containers/db-1')).body.securityGroups).toEqual([db.id]);
      expectCode(
        await t.post('/v1/containers/db-1/security-groups', { group: 'nope' }),
        404,
        'security_group/not_found',
      );
      expectCode(
        await t.post('/v1/containers/nope/security-groups', { group: 'db' }),
        404,
        'container/not_found',
      );

      const inUse = await t.delete('/v1/security-groups/db');
      expectCode(inUse, 409, 'security_group/in_use');
      expect(inUse.body.error.message).toMatch(/db-1/);
      const referenced = await t.delete('/v1/security-groups/web');
      expectCode(referenced, 409, 'security_group/in_use');

      // Detach and re-attach later.
      const detached = await t.delete('/v1/containers/db-1/security-groups/db');
      expect(detached.status).toBe(200);
      expect(detached.body.securityGroups).toEqual([]);
      expect((await t.delete('/v1/containers/db-1/security-groups/db')).status).toBe(200);
      expect((await t.post('/v1/containers/db-1/security-groups', { group: 'db' })).status).toBe(200);
    });

    it('lists groups with their rules', async () => {
      const list = (await t.get('/v1/security-groups')).body;
      expect(list.data.map((g: any) => g.name).sort()).toEqual(['db', 'web']);
      expect(list.data.find((g: any) => g.name === 'db').rules).toHaveLength(2);
      const otherList = (await other.get('/v1/security-groups')).body.data.map((g: any) => g.name);
      expect(otherList).toEqual(['theirs']);
    });
  });

  describe('floating IPs', () => {
    it('allocates the lowest free address, names it, and holds to the quota and the pool', async () => {
      const first = await t.post('/v1/fips', {});
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.stringMatching(/^fip_/),
        address: '203.0.113.1',
        name: null,
        containerId: null,
        createdAt: expect.any(String),
      });
      const named = await t.post('/v1/fips', { name: 'www' });
      expect(named.body).toMatchObject({ address: '203.0.113.2', name: 'www' });
      expectCode(await t.post('/v1/fips', { name: 'www' }), 409, 'fip/name_taken');
      expectCode(await t.post('/v1/fips', { name: '203.0.113.9' }), 400, 'request/invalid');
      for (const expected of ['203.0.113.3', '203.0.113.4', '203.0.113.5']) {
        expect((await t.post('/v1/fips')).body.address).toBe(expected);
      }
      const over = await t.post('/v1/fips');
      expectCode(over, 403, 'quota/exceeded');
      expect(over.body.error.message).toMatch(/quota is 5/);

      // The pool is shared: the other tenant gets the last address, then nothing.
      expect((await other.post('/v1/fips')).body.address).toBe('203.0.113.6');
      expectCode(await other.post('/v1/fips'), 409, 'fip/pool_exhausted');
      // A released address goes back to the pool (lowest first).
      const released = await t.delete('/v1/fips/203.0.113.3');
      expect(released.status).toBe(200);
      expectCode(await t.get('/v1/fips/203.0.113.3'), 404, 'fip/not_found');
      expect((await other.post('/v1/fips', { name: 'www' })).body).toMatchObject({
        address: '203.0.113.3',
        name: 'www',
      });
      expect((await t.get('/v1/fips')).body.data.map((f: any) => f.address)).toEqual([
        '203.0.113.1',
        '203.0.113.2',
        '203.0.113.4',
        '203.0.113.5',
      ]);
    });

    it('renames by id, address or name', async () => {
      const byAddress = await t.post('/v1/fips/203.0.113.1/name', { name: 'api' });
      expect(byAddress.status).toBe(200);
      expect(byAddress.body).toMatchObject({ address: '203.0.113.1', name: 'api' });
      expect((await t.get('/v1/fips/api')).body.address).toBe('203.0.113.1');
      expect((await t.get(`/v1/fips/${byAddress.body.id}`)).body.name).toBe('api');
      expectCode(await t.post('/v1/fips/api/name', { name: 'www' }), 409, 'fip/name_taken');
      expectCode(await t.post('/v1/fips/api/name', { name: '10.0.0.1' }), 400, 'request/invalid');
      expectCode(await t.post('/v1/fips/api/name', {}), 400, 'request/invalid');
      expect((await t.post('/v1/fips/203.0.113.4/name', { name: null })).body.name).toBeNull();
      expect((await t.post('/v1/fips/api/name', { name: 'api' })).body.name).toBe('api');
    });

    it('attaches to one container at a time, one per container, and refuses release while attached', async () => {
      const attached = await t.post('/v1/fips/api/attach', { container: 'web-1' });
      expect(attached.status).toBe(200);
      const web1 = (await t.get('/v1/containers/web-1')).body;
      expect(attached.body.containerId).toBe(web1.id);
      expect((await t.post('/v1/fips/api/attach', { container: web1.id })).status).toBe(200);
      expectCode(await t.post('/v1/fips/www/attach', { container: 'web-1' }), 409, 'container/has_fip');
      expectCode(await t.post('/v1/fips/api/attach', { container: 'db-1' }), 409, 'fip/in_use');
      expectCode(await t.post('/v1/fips/www/attach', { container: 'nope' }), 404, 'container/not_found');
      expectCode(await t.delete('/v1/fips/api'), 409, 'fip/in_use');

      // A floating IP may serve another container once detached.
      const detached = await t.post('/v1/fips/api/detach');
      expect(detached.status).toBe(200);
      expect(detached.body.containerId).toBeNull();
      expect((await t.post('/v1/fips/api/detach')).status).toBe(200);
      expect((await t.post('/v1/fips/www/attach', { container: 'web-1' })).body.containerId).toBe(web1.id);
      expect((await t.post('/v1/fips/api/attach', { container: 'db-1' })).status).toBe(200);
    });

    it('detaches the floating IP of a deleted container', async () => {
      const doomed = await run(t, { name: 'doomed' });
      await waitOp(t, doomed.operation.id);
      expect((await t.post('/v1/fips/203.0.113.4/attach', { container: 'doomed' })).status).toBe(200);
      await remove(t, 'doomed');
      expect((await t.get('/v1/fips/203.0.113.4')).body.containerId).toBeNull();
      expect((await t.delete('/v1/fips/203.0.113.4')).status).toBe(200);
    });
  });

  describe("another tenant's objects", () => {
    it('are 404 on every route', async () => {
      const net = (await t.get('/v1/networks/backend')).body.id as string;
      const sg = (await t.get('/v1/security-groups/db')).body;
      const fip = (await t.get('/v1/fips/api')).body;
      const theirContainer = (await other.get('/v1/containers/first')).body.id as string;
      const cases: [string, string, unknown, string][] = [
        ['GET', `/v1/networks/${net}`, undefined, 'network/not_found'],
        ['DELETE', `/v1/networks/${net}`, undefined, 'network/not_found'],
        ['DELETE', '/v1/networks/auto', undefined, 'network/not_found'],
        ['GET', `/v1/security-groups/${sg.id}`, undefined, 'security_group/not_found'],
        ['GET', '/v1/security-groups/db', undefined, 'security_group/not_found'],
        ['DELETE', `/v1/security-groups/${sg.id}`, undefined, 'security_group/not_found'],
        [
          'POST',
          `/v1/security-groups/${sg.id}/rules`,
          { direction: 'ingress', protocol: 'all', cidr: '0.0.0.0/0' },
          'security_group/not_found',
        ],
        [
          'DELETE',
          `/v1/security-groups/${sg.id}/rules/${sg.rules[0].id}`,
          undefined,
          'security_group/not_found',
        ],
        ['POST', '/v1/containers/web-1/security-groups', { group: 'theirs' }, 'container/not_found'],
        [
          'POST',
          `/v1/containers/${theirContainer}/security-groups`,
          { group: sg.id },
          'security_group/not_found',
        ],
        ['DELETE', `/v1/containers/db-1/security-groups/${sg.id}`, undefined, 'container/not_found'],
        ['GET', `/v1/fips/${fip.id}`, undefined, 'fip/not_found'],
        ['GET', '/v1/fips/203.0.113.1', undefined, 'fip/not_found'],
        ['GET', '/v1/fips/api', undefined, 'fip/not_found'],
        ['POST', `/v1/fips/${fip.id}/name`, { name: 'mine' }, 'fip/not_found'],
        ['POST', '/v1/fips/203.0.113.1/attach', { container: theirContainer }, 'fip/not_found'],
        ['POST', `/v1/fips/${fip.id}/detach`, undefined, 'fip/not_found'],
        ['DELETE', '/v1/fips/203.0.113.2', undefined, 'fip/not_found'],
      ];
      const results = [];
      for (const [method, p, body] of cases) {
        const res = await other.request(method, p, body);
        results.push([method, p, res.status, res.body?.error?.code]);
      }
      expect(results).toEqual(cases.map(([method, p, , code]) => [method, p, 404, code]));
      // Nothing of theirs moved.
      expect((await t.get('/v1/fips/api')).body).toEqual(fip);
      expect((await t.get('/v1/security-groups/db')).body).toEqual(sg);
    });
  });

  describe('the agent side', () => {
    async function dataplaneOf(hostId: string): Promise<any> {
      const res = await agents.get(hostId)!.http.get('/v1/agent/dataplane');
      expect(res.status).toBe(200);
      return res.body;
    }

    it("puts NICs in the container's spec", async () => {
      const c = (await t.get('/v1/containers/two-nics')).body;
      const spec = await agents.get(c.hostId)!.http.get(`/v1/agent/containers/${c.id}`);
      const backend = (await t.get('/v1/networks/backend')).body;
      expect(spec.body.nics).toEqual([
        {
          networkId: backend.id,
          vni: expect.any(Number),
          ip: '10.50.0.2',
          prefixLength: 24,
          gateway: '10.50.0.1',
          mac: c.networks[0].mac,
          mtu: 1450,
        },
        expect.objectContaining({ ip: '10.240.0.3', prefixLength: 24, gateway: '10.240.0.1', mtu: 1450 }),
      ]);
      expect(spec.body.nics[0].vni).toBeGreaterThanOrEqual(4096);
      expect(spec.body.nics[1].vni).not.toBe(spec.body.nics[0].vni);
      const listed = (await agents.get(c.hostId)!.http.get('/v1/agent/containers')).body;
      expect(listed.find((s: any) => s.id === c.id).nics).toEqual(spec.body.nics);
    });

    it('gives each host its networks, peers, members, ports with effective rules, and floating IPs', async () => {
      const containers = (await t.get('/v1/containers?limit=200')).body.data as any[];
      const byName = new Map(containers.map((c) => [c.name, c]));
      const web1 = byName.get('web-1');
      const db1 = byName.get('db-1');
      const first = byName.get('first');
      const defaultNet = (await t.get('/v1/networks/default')).body;

      const planes = new Map<string, any>();
      for (const hostId of agents.keys()) planes.set(hostId, await dataplaneOf(hostId));
      for (const [hostId, plane] of planes) {
        expect(plane.hostId).toBe(hostId);
        // Every live container placed on the host has its ports there, and no other.
        const here = containers.filter((c) => c.hostId === hostId && c.networks.length > 0);
        const portOwners = [...new Set(plane.ports.map((p: any) => p.containerId))];
        const theirsHere = ((await other.get('/v1/containers')).body.data as any[]).filter(
          (c) => c.hostId === hostId,
        );
        expect(portOwners.sort()).toEqual([...here, ...theirsHere].map((c) => c.id).sort());
      }

      // The default network, seen from web-1's host: members across hosts, the other host as a peer.
      const webPlane = planes.get(web1.hostId);
      const net = webPlane.networks.find((n: any) => n.id === defaultNet.id);
      expect(net).toMatchObject({ cidr: '10.240.0.0/24', gateway: '10.240.0.1', mtu: 1450 });
      expect(net.vni).toBeGreaterThanOrEqual(4096);
      const members = containers.filter((c) => c.networks.some((n: any) => n.networkId === defaultNet.id));
      expect(net.members.map((m: any) => `${m.name}=${m.ip}`).sort()).toEqual(
        members
          .map((c) => `${c.name}=${c.networks.find((n: any) => n.networkId === defaultNet.id).ip}`)
          .sort(),
      );
      const otherHosts = new Set(members.map((c) => c.hostId).filter((h) => h !== web1.hostId));
      // Spread placement put the network's members on both hosts, so the other one is a VXLAN peer.
      expect(otherHosts.size).toBe(1);
      expect(net.peers).toEqual([...otherHosts].map((h) => agents.get(h)!.address).sort());
      // The two tenants' default networks share a block but not a segment.
      const theirDefault = (await other.get('/v1/networks/default')).body;
      const allNets = [...planes.values()].flatMap((p) => p.networks);
      const vnis = new Set(allNets.filter((n) => n.id === theirDefault.id).map((n) => n.vni));
      expect(vnis.size).toBeLessThanOrEqual(1);
      if (vnis.size === 1) expect([...vnis][0]).not.toBe(net.vni);

      const portOf = (c: any): any => planes.get(c.hostId).ports.find((p: any) => p.containerId === c.id);
      // No group: ingress from its own network, all egress.
      expect(portOf(first)).toEqual({
        containerId: first.id,
        networkId: defaultNet.id,
        ip: first.networks[0].ip,
        mac: first.networks[0].mac,
        ingress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['10.240.0.0/24'] }],
        egress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }],
      });
      // Two networks, no group: ingress from both, on both ports.
      const twoNics = byName.get('two-nics');
      const twoPorts = planes.get(twoNics.hostId).ports.filter((p: any) => p.containerId === twoNics.id);
      expect(twoPorts.map((p: any) => p.ip)).toEqual(['10.50.0.2', '10.240.0.3']);
      for (const p of twoPorts) expect(p.ingress[0].cidrs).toEqual(['10.50.0.0/24', '10.240.0.0/24']);
      // web: its own rules only.
      expect(portOf(web1)).toMatchObject({
        ingress: [{ protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: ['0.0.0.0/0'] }],
        egress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }],
      });
      // db: postgres from the members of web, expanded to their addresses.
      expect(portOf(db1).ingress).toEqual([
        { protocol: 'tcp', portFrom: 5432, portTo: 5432, cidrs: [`${web1.networks[0].ip}/32`] },
      ]);

      // Floating IPs on the hosts of the containers they serve.
      const fips = [...planes.values()].flatMap((p) => p.floatingIps);
      const api = (await t.get('/v1/fips/api')).body;
      const www = (await t.get('/v1/fips/www')).body;
      expect(planes.get(db1.hostId).floatingIps).toContainEqual({
        address: api.address,
        containerId: db1.id,
        privateIp: db1.networks[0].ip,
      });
      expect(planes.get(web1.hostId).floatingIps).toContainEqual({
        address: www.address,
        containerId: web1.id,
        privateIp: web1.networks[0].ip,
      });
      expect(fips).toHaveLength(2);
    });

    it('follows changes: a new member of a remote group, a detached floating IP', async () => {
      const web2 = await run(t, { name: 'web-2', securityGroups: ['web'] });
      await waitOp(t, web2.operation.id);
      await t.post('/v1/fips/api/detach');
      const db1 = (await t.get('/v1/containers/db-1')).body;
      const web1 = (await t.get('/v1/containers/web-1')).body;
      const plane = await dataplaneOf(db1.hostId);
      const port = plane.ports.find((p: any) => p.containerId === db1.id);
      expect(port.ingress[0].cidrs.sort()).toEqual(
        [`${web1.networks[0].ip}/32`, `${nic0(web2.data).ip}/32`].sort(),
      );
      expect(plane.floatingIps.find((f: any) => f.containerId === db1.id)).toBeUndefined();
      // A container that leaves drops out of the members and the peers.
      await remove(t, 'web-2');
      await waitFor('web-2 to leave the data plane', async () => {
        const after = await dataplaneOf(db1.hostId);
        const p = after.ports.find((x: any) => x.containerId === db1.id);
        return p.ingress[0].cidrs.length === 1;
      });
      const defaultNet = (await t.get('/v1/networks/default')).body;
      for (const hostId of agents.keys()) {
        const n = (await dataplaneOf(hostId)).networks.find((x: any) => x.id === defaultNet.id);
        expect(n?.members.map((m: any) => m.name) ?? []).not.toContain('web-2');
      }
    });

    it('is for agents only', async () => {
      expectCode(await t.get('/v1/agent/dataplane'), 401, 'auth/unauthenticated');
      expectCode(await stack.anonymous().get('/v1/agent/dataplane'), 401, 'auth/unauthenticated');
      // A host does not see another host's containers' specs.
      const db1 = (await t.get('/v1/containers/db-1')).body;
      const otherHost = [...agents.keys()].find((h) => h !== db1.hostId)!;
      expectCode(
        await agents.get(otherHost)!.http.get(`/v1/agent/containers/${db1.id}`),
        404,
        'container/not_found',
      );
    });
  });
});
