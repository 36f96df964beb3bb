import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  addNetns,
  buildTestImage,
  deleteNetns,
  fetchInNetns,
  joinInternet,
  makeInternet,
  runCli,
  runCliJson,
  runCliOk,
  startTestRegistry,
  TestStack,
  waitFor,
  type CliRun,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(400_000);

/**
 * The done-criterion, through the built `berth` executable: `berth run --net mynet`, then
 * `berth fip attach`, gives a container reachable on its floating IP from the "internet".
 *
 * One host: a network namespace made here, its agent's bridges, VXLAN, taps, nftables and QEMU
 * inside it, and a `pub0` leg to a bridge in a second namespace, the "internet". Every address
 * (198.19.216-255.x, an octet range networking.e2e-spec.ts never uses) is inside these namespaces.
 * One microVM.
 */
describe('berth CLI networking: network, sg, fip, run --net (netns host, microVM, real packets)', () => {
  const tag = randomBytes(2).toString('hex');
  const octet = 216 + (parseInt(tag, 16) % 40);
  const ns = { host: `bcnh-${tag}`, inet: `bcninet-${tag}` };
  const pub = (n: number) => `198.19.${octet}.${n}`;
  const stack = new TestStack('cli-net', { BERTH_FIP_POOL: `${pub(100)}/30` });
  const home = mkdtempSync(path.join(tmpdir(), 'berth-cli-net-home-'));
  const made: string[] = [];
  let registry: TestRegistry;
  let image: string;
  let env: Record<string, string>;
  let containerId: string;
  let containerIp: string;
  let fip: string;

  /** Runs `berth args` with a clean environment: HOME, PATH and the tenant's URL and key. */
  const berth = (args: readonly string[]): Promise<CliRun> => runCli(args, { home, env });

  /** `berth args` that must succeed; returns its stdout. */
  const succeed = (args: readonly string[]): Promise<string> => runCliOk(args, { home, env });

  const json = (args: readonly string[]): Promise<any> => runCliJson(args, { home, env });

  /** An HTTP GET from the internet namespace: the body, or null when nothing answered. */
  const fromInternet = (url: string): string | null => fetchInNetns(ns.inet, url);

  const untilServed = (why: string) =>
    waitFor(
      why,
      () => Promise.resolve(fromInternet(`http://${fip}:8080/`) === 'served-by-webvm'),
      60_000,
      500,
    );
  const untilRefused = (why: string) =>
    waitFor(why, () => Promise.resolve(fromInternet(`http://${fip}:8080/`) === null), 60_000, 500);

  beforeAll(async () => {
    for (const n of [ns.host, ns.inet]) {
      addNetns(n);
      made.push(n);
    }
    // The public segment: a bridge in the internet namespace, the host's pub0 on it.
    makeInternet(ns.inet, pub(254));
    joinInternet({ host: ns.host, inet: ns.inet, leg: 'leg1', address: pub(1), gateway: pub(254) });

    registry = await startTestRegistry();
    image = await buildTestImage(registry, 'berth/cli-net-web', {
      cmd: [
        'sh',
        '-c',
        'mkdir -p /www && echo "served-by-$(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www',
      ],
    });
    await stack.start();
    await stack.startAgent({
      name: `clinet-${tag}`,
      driver: 'qemu',
      env: {
        BERTH_HOST_NETNS: ns.host,
        BERTH_HOST_ADDRESS: pub(1),
        BERTH_PUBLIC_IFACE: 'pub0',
        BERTH_QEMU_ACCEL: 'tcg',
        BERTH_DATAPLANE_SYNC_MS: '1000',
      },
    });
    const tenant = await stack.tenant('cli-net');
    env = { BERTH_API_URL: stack.apiUrl, BERTH_API_KEY: tenant.key };
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
    for (const n of made) deleteNetns(n);
    rmSync(home, { recursive: true, force: true });
  });

  it('network create, sg create + rule add, then run -d --net --sg: the container is on mynet', async () => {
    const net = await json(['network', 'create', 'mynet']);
    expect(net).toMatchObject({ id: expect.stringMatching(/^net_/), name: 'mynet', isDefault: false });
    expect((await json(['network', 'ls'])).map((n: any) => n.name)).toEqual(['mynet']);
    expect(await succeed(['network', 'ls'])).toMatch(new RegExp(`\\n${net.id}\\s+mynet\\s+${net.cidr}\\s`));

    const sgId = (await succeed(['sg', 'create', 'web'])).trim();
    expect(sgId).toMatch(/^sg_/);
    const ruleId = (
      await succeed([
        'sg',
        'rule',
        'add',
        'web',
        '--ingress',
        '--proto',
        'tcp',
        '--port',
        '8080',
        '--cidr',
        '0.0.0.0/0',
      ])
    ).trim();
    expect(ruleId).toMatch(/^sgr_/);
    expect(await json(['sg', 'rule', 'ls', 'web'])).toEqual(
      expect.arrayContaining([
        {
          id: ruleId,
          direction: 'ingress',
          protocol: 'tcp',
          portFrom: 8080,
          portTo: 8080,
          cidr: '0.0.0.0/0',
          remoteGroupId: null,
        },
      ]),
    );

    const run = await berth([
      'run',
      '-d',
      '--net',
      'mynet',
      '--sg',
      'web',
      '--name',
      'webvm',
      '--size',
      's1',
      image,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    containerId = run.stdout.trim();
    expect(containerId).toMatch(/^ctr_/);

    const [inspected] = await json(['inspect', 'webvm']);
    expect(inspected).toMatchObject({ id: containerId, state: 'running', securityGroups: [sgId] });
    expect(inspected.networks).toEqual([
      expect.objectContaining({ networkId: net.id, name: 'mynet', ip: expect.any(String) }),
    ]);
    containerIp = inspected.networks[0].ip;
    const wide = await succeed(['ps', '-w']);
    expect(wide).toMatch(
      new RegExp(`^${containerId}\\s.*\\smynet:${containerIp.replace(/\./g, '\\.')}\\s+-$`, 'm'),
    );
  });

  it('fip allocate + fip attach: the container answers on its floating IP from the internet', async () => {
    const allocated = await json(['fip', 'allocate']);
    expect(allocated).toMatchObject({ id: expect.stringMatching(/^fip_/), containerId: null });
    fip = allocated.address;
    expect([pub(101), pub(102)]).toContain(fip);
    // Before attach the address leads nowhere.
    expect(fromInternet(`http://${fip}:8080/`)).toBeNull();

    expect(await succeed(['fip', 'attach', fip, 'webvm'])).toBe(`${fip}\n`);
    expect(await json(['fip', 'ls'])).toEqual([expect.objectContaining({ address: fip, containerId })]);
    expect(await succeed(['fip', 'ls'])).toMatch(new RegExp(`${fip.replace(/\./g, '\\.')}\\s+-\\s+webvm\\s`));
    expect(await succeed(['ps', '-w'])).toMatch(
      new RegExp(`\\smynet:\\S+\\s+${fip.replace(/\./g, '\\.')}$`, 'm'),
    );

    await untilServed('webvm to answer on its floating IP');
  });

  it('sg detach closes the port, sg attach opens it again', async () => {
    expect(await succeed(['sg', 'detach', 'web', 'webvm'])).toBe('webvm\n');
    await untilRefused('webvm to refuse the internet without its group');
    expect(await succeed(['sg', 'attach', 'web', 'webvm'])).toBe('webvm\n');
    await untilServed('webvm to answer again with its group');
  });

  it('fip detach makes it unreachable; release, rm -f and network rm clean up', async () => {
    expect(await succeed(['fip', 'detach', fip])).toBe(`${fip}\n`);
    await untilRefused('the floating IP to stop answering');

    expect(await succeed(['fip', 'release', fip])).toBe(`${fip}\n`);
    expect(await json(['fip', 'ls'])).toEqual([]);

    const inUse = await berth(['network', 'rm', 'mynet']);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/^Error: network\/in_use: /);

    expect(await succeed(['rm', '-f', 'webvm'])).toBe('webvm\n');
    expect(await succeed(['network', 'rm', 'mynet'])).toBe('mynet\n');
    expect(await succeed(['sg', 'rm', 'web'])).toBe('web\n');
    expect(await json(['network', 'ls'])).toEqual([]);
    expect(await json(['sg', 'ls'])).toEqual([]);

    const missing = await berth(['fip', 'attach', fip, 'webvm']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: (fip|container)\/not_found: /);
  });

  it('completion knows the new nouns', async () => {
    const bash = await succeed(['completion', 'bash']);
    for (const path of ['berth network create', 'berth sg rule add', 'berth fip attach']) {
      expect(bash).toContain(`'${path}'`);
    }
  });
});
