import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  addNetns,
  buildTestImage,
  deleteNetns,
  fetchInNetns,
  joinInternet,
  makeInternet,
  sh,
  startProcess,
  startTestRegistry,
  TestStack,
  waitFor,
  type StartedProcess,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(400_000);

/**
 * Tenant networks with real packets between real microVMs. Two "hosts" are network namespaces made
 * here, each with its own agent (the agent process stays on loopback with the API; its bridges, VXLAN,
 * taps, nftables and QEMU live in its namespace), joined by a veth underlay; a third namespace is the
 * "internet", on a public segment with both hosts. Every address is inside these namespaces.
 */
describe('networks, security groups and floating IPs (netns hosts, microVMs, real packets)', () => {
  const tag = randomBytes(2).toString('hex');
  const octet = 16 + (parseInt(tag, 16) % 200);
  const ns = { h1: `bnh1-${tag}`, h2: `bnh2-${tag}`, inet: `bninet-${tag}` };
  const underlay = (n: number) => `198.18.${octet}.${n}`;
  const pub = (n: number) => `198.19.${octet}.${n}`;
  const stack = new TestStack('net', { BERTH_FIP_POOL: `${pub(100)}/30`, BERTH_FIP_QUOTA: '2' });
  let registry: TestRegistry;
  let image: string;
  let t1: TestHttpClient;
  let t2: TestHttpClient;
  let internetWeb: StartedProcess;
  const hostServices: StartedProcess[] = [];
  const hostNamespaces = new Map<string, string>();
  const HOST_SERVICE_PORT = 8181;
  const c: Record<string, { id: string; ip: string; hostId: string; hostNs: string; gateway: string }> = {};

  beforeAll(async () => {
    for (const n of Object.values(ns)) addNetns(n);
    // underlay between the hosts
    sh('ip', 'link', 'add', 'ul0', 'netns', ns.h1, 'type', 'veth', 'peer', 'name', 'ul0', 'netns', ns.h2);
    // the public segment: a bridge in the internet namespace, one leg per host
    makeInternet(ns.inet, pub(254));
    for (const [i, h] of [
      [1, ns.h1],
      [2, ns.h2],
    ] as const) {
      sh('ip', '-n', h, 'addr', 'add', `${underlay(i)}/24`, 'dev', 'ul0');
      joinInternet({
        host: h,
        inet: ns.inet,
        leg: `leg${i}`,
        address: pub(i),
        gateway: pub(254),
        alsoUp: ['ul0'],
      });
    }
    // A web server "on the internet", to see that containers without a floating IP reach out through NAT.
    internetWeb = startProcess('net-internet-httpd', 'ip', [
      'netns',
      'exec',
      ns.inet,
      'busybox',
      'httpd',
      '-f',
      '-p',
      '9999',
      '-h',
      '/etc',
    ]);

    // A service in each host's namespace, on all of its addresses: what guests must never reach.
    for (const h of [ns.h1, ns.h2])
      hostServices.push(
        startProcess(`net-host-httpd-${h}`, 'ip', [
          'netns',
          'exec',
          h,
          'busybox',
          'httpd',
          '-f',
          '-p',
          String(HOST_SERVICE_PORT),
          '-h',
          '/etc',
        ]),
      );

    registry = await startTestRegistry();
    image = await buildTestImage(registry, 'berth/web', {
      cmd: [
        'sh',
        '-c',
        'mkdir -p /www && echo "served-by-$(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www',
      ],
    });
    await stack.start();
    for (const [i, h] of [
      [1, ns.h1],
      [2, ns.h2],
    ] as const) {
      await stack.startAgent({
        name: `nethost${i}`,
        driver: 'qemu',
        env: {
          BERTH_HOST_NETNS: h,
          BERTH_HOST_ADDRESS: underlay(i),
          BERTH_UNDERLAY_IFACE: 'ul0',
          BERTH_PUBLIC_IFACE: 'pub0',
          BERTH_QEMU_ACCEL: 'tcg',
          BERTH_DATAPLANE_SYNC_MS: '1000',
        },
      });
    }
    const hosts = (await stack.operator.get('/v1/admin/hosts')).body.data as { id: string; name: string }[];
    for (const h of hosts) hostNamespaces.set(h.id, h.name === 'nethost1' ? ns.h1 : ns.h2);
    t1 = (await stack.tenant('net-one')).http;
    t2 = (await stack.tenant('net-two')).http;

    expect((await t1.post('/v1/networks', { name: 'mynet' })).status).toBe(201);
    // Spread placement puts a on one host and b on the other; c (another tenant) lands beside one of them.
    for (const [name, client, body] of [
      ['a', t1, { networks: ['mynet'] }],
      ['b', t1, { networks: ['mynet'] }],
      ['c', t2, {}],
    ] as const) {
      const res = await client.post('/v1/containers', { image, name, size: 's1', ...body });
      expect(res.status).toBe(202);
      const op = await client.get(`/v1/operations/${res.body.operation.id}?wait=120`);
      expect(op.body.state).toBe('succeeded');
      const view = (await client.get(`/v1/containers/${name}`)).body;
      const network = (await client.get(`/v1/networks/${view.networks[0].networkId}`)).body;
      c[name] = {
        id: view.id,
        ip: view.networks[0].ip,
        hostId: view.hostId,
        hostNs: hostNamespaces.get(view.hostId)!,
        gateway: network.gateway,
      };
    }
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
    await internetWeb?.stop();
    for (const p of hostServices) await p.stop();
    for (const n of Object.values(ns)) deleteNetns(n);
  });

  /** Runs wget inside a container; returns its output or null when it failed. */
  async function fetchFrom(client: TestHttpClient, container: string, url: string): Promise<string | null> {
    // busybox's `wget -T` crashes (Debian's 1.35); `timeout` bounds it instead.
    const res = await client.post(`/v1/containers/${container}/exec`, {
      command: ['timeout', '5', 'wget', '-q', '-O', '-', url],
      timeoutSeconds: 20,
    });
    expect(res.status).toBe(200);
    return res.body.exitCode === 0 ? (res.body.stdout as string).trim() : null;
  }

  const untilServed = (client: TestHttpClient, from: string, url: string, expected: string) =>
    waitFor(
      `${from} to fetch ${url}`,
      async () => (await fetchFrom(client, from, url)) === expected,
      60_000,
      500,
    );

  const fromInternet = (url: string): string | null => fetchInNetns(ns.inet, url);

  it('connects two VMs of one tenant network on different hosts over TCP, by address and by name', async () => {
    expect(c.a!.hostId).not.toBe(c.b!.hostId);
    await untilServed(t1, 'a', `http://${c.b!.ip}:8080/`, 'served-by-b');
    await untilServed(t1, 'b', `http://${c.a!.ip}:8080/`, 'served-by-a');
    // b joined after a booted: the agent rewrote a's /etc/hosts.
    await untilServed(t1, 'a', 'http://b:8080/', 'served-by-b');
  });

  it("keeps another tenant's VM out, on the same host or not", async () => {
    expect(await fetchFrom(t2, 'c', `http://${c.b!.ip}:8080/`)).toBeNull();
    expect(await fetchFrom(t2, 'c', `http://${c.a!.ip}:8080/`)).toBeNull();
    expect(await fetchFrom(t1, 'a', `http://${c.c!.ip}:8080/`)).toBeNull();
  });

  it('lets a VM without a floating IP reach out through NAT, but not reach a service on its host', async () => {
    // Positive controls: the same fetch reaches a server on the internet, and the hosts' own service
    // is up and answers where it should (from the internet, on each host's public address).
    expect(await fetchFrom(t1, 'a', `http://${pub(254)}:9999/hostname`)).not.toBeNull();
    for (const i of [1, 2])
      expect(fromInternet(`http://${pub(i)}:${HOST_SERVICE_PORT}/hostname`)).not.toBeNull();
    // From the guest: not on its gateway, its host's public address, or either host's underlay address.
    const own = c.a!.hostNs === ns.h1 ? 1 : 2;
    for (const address of [c.a!.gateway, pub(own), underlay(1), underlay(2)])
      expect(await fetchFrom(t1, 'a', `http://${address}:${HOST_SERVICE_PORT}/hostname`)).toBeNull();
  });

  it('puts the firewall back within a sync pass after the host ruleset is flushed, a chain deleted or an accept added', async () => {
    const host = c.a!.hostNs;
    const nft = (script: string) =>
      execFileSync('ip', ['netns', 'exec', host, 'nft', '-f', '-'], { input: `${script}\n`, stdio: 'pipe' });
    // The ruleset's lines, in an order of their own: the kernel lists set elements in any order.
    const listing = () =>
      sh('ip', 'netns', 'exec', host, 'nft', 'list', 'ruleset')
        .split('\n')
        .map((l) => l.trim().replace(/,$/, ''))
        .sort()
        .join('\n');
    const intact = listing();
    expect(intact).toMatch(/table inet berth/);
    for (const tamper of [
      'flush ruleset',
      'delete chain inet berth forward',
      'insert rule inet berth input accept',
      'flush set bridge berth ready_taps',
    ]) {
      nft(tamper);
      await waitFor(
        `the agent to undo "${tamper}"`,
        () => Promise.resolve(listing() === intact),
        30_000,
        200,
      );
    }
    // And isolation holds, with real packets: c (another tenant) still cannot reach a; a reaches b.
    expect(await fetchFrom(t2, 'c', `http://${c.a!.ip}:8080/`)).toBeNull();
    expect(await fetchFrom(t1, 'a', `http://${c.a!.gateway}:${HOST_SERVICE_PORT}/hostname`)).toBeNull();
    await untilServed(t1, 'a', `http://${c.b!.ip}:8080/`, 'served-by-b');
  });

  it('reaches the right VM on its floating IP from the internet, and stops after detach', async () => {
    const sg = await t1.post('/v1/security-groups', {
      name: 'web',
      rules: [{ direction: 'ingress', protocol: 'tcp', portFrom: 8080, portTo: 8080, cidr: '0.0.0.0/0' }],
    });
    expect(sg.status).toBe(201);
    expect((await t1.post('/v1/containers/b/security-groups', { group: 'web' })).status).toBe(200);
    const fip = await t1.post('/v1/fips', { name: 'front' });
    expect(fip.status).toBe(201);
    const address = fip.body.address as string;
    expect((await t1.post(`/v1/fips/${fip.body.id}/attach`, { container: 'b' })).status).toBe(200);
    await waitFor(
      'the floating IP to serve b',
      () => Promise.resolve(fromInternet(`http://${address}:8080/`) === 'served-by-b'),
      60_000,
      500,
    );

    expect((await t1.post(`/v1/fips/${fip.body.id}/detach`)).status).toBe(200);
    await waitFor(
      'the floating IP to stop serving',
      () => Promise.resolve(fromInternet(`http://${address}:8080/`) === null),
      60_000,
      500,
    );
    expect((await t1.delete(`/v1/fips/${fip.body.id}`)).status).toBe(200);
  });

  it('enforces security-group rules in both directions', async () => {
    // Egress: a may only speak HTTPS, so b's port 8080 is out of reach; lifting the group restores it.
    const egress = await t1.post('/v1/security-groups', { name: 'only-443' });
    const all = (egress.body.rules as { id: string; direction: string }[]).filter(
      (r) => r.direction === 'egress',
    );
    for (const r of all) await t1.delete(`/v1/security-groups/only-443/rules/${r.id}`);
    await t1.post('/v1/security-groups/only-443/rules', {
      direction: 'egress',
      protocol: 'tcp',
      portFrom: 443,
      portTo: 443,
      cidr: '0.0.0.0/0',
    });
    await t1.post('/v1/containers/a/security-groups', { group: 'only-443' });
    await waitFor(
      'a to be cut off',
      async () => (await fetchFrom(t1, 'a', `http://${c.b!.ip}:8080/`)) === null,
      60_000,
      500,
    );
    await t1.delete('/v1/containers/a/security-groups/only-443');
    await untilServed(t1, 'a', `http://${c.b!.ip}:8080/`, 'served-by-b');

    // Ingress: b's only group allows 8080 from the internet range, not from a's network... it allows all
    // (0.0.0.0/0), so replace it with one that admits nothing on 8080 from inside.
    const closed = await t1.post('/v1/security-groups', {
      name: 'closed',
      rules: [{ direction: 'ingress', protocol: 'tcp', portFrom: 9, portTo: 9, cidr: '0.0.0.0/0' }],
    });
    expect(closed.status).toBe(201);
    await t1.delete('/v1/containers/b/security-groups/web');
    await t1.post('/v1/containers/b/security-groups', { group: 'closed' });
    await waitFor(
      'b to refuse a',
      async () => (await fetchFrom(t1, 'a', `http://${c.b!.ip}:8080/`)) === null,
      60_000,
      500,
    );
  });

  it('leaves no tap, bridge, VXLAN device or per-container rule behind once containers and networks are gone', async () => {
    for (const [client, name] of [
      [t1, 'a'],
      [t1, 'b'],
      [t2, 'c'],
    ] as const) {
      const del = await client.delete(`/v1/containers/${name}?force=true`);
      expect((await client.get(`/v1/operations/${del.body.operation.id}?wait=60`)).body.state).toBe(
        'succeeded',
      );
    }
    expect((await t1.delete('/v1/networks/mynet')).status).toBe(200);
    for (const h of [ns.h1, ns.h2]) {
      await waitFor(
        `host ${h} to be clean`,
        () => {
          const links = sh('ip', '-n', h, '-o', 'link', 'show');
          const rules = sh('ip', 'netns', 'exec', h, 'nft', 'list', 'ruleset');
          // What stays is the tap guard alone: no inet table, no tap, no bridge, no address.
          return Promise.resolve(
            !/\b(bn\d+|vx\d+|tp[0-9a-f]{11})\b/.test(links) &&
              !/table inet berth|tp[0-9a-f]{11}|bn\d+|10\.\d+\.\d+\.\d+/.test(rules) &&
              /iifname "tp\*" iifname != @ready_taps drop/.test(rules),
          );
        },
        30_000,
        500,
      );
      expect(sh('ip', '-n', h, 'addr', 'show', 'dev', 'pub0')).not.toMatch(
        new RegExp(`${pub(100)}|${pub(101)}`),
      );
    }
  });
});
