import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  buildTestImage,
  parseNdjson,
  runCli,
  runCliJson,
  startTestRegistry,
  TestStack,
  type CliRun,
  type CliRunOptions,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(300_000);

/**
 * The tenant CLI end to end: the built `berth` executable, spawned as a person or a script would,
 * against the real API, a `qemu` agent booting real microVMs (TCG here), and real registries on
 * loopback. Assertions read the CLI's --json output and exit codes. Five microVM boots in all.
 */
describe('berth CLI (built binary + api + qemu agent + registry)', () => {
  const stack = new TestStack('cli');
  const home = mkdtempSync(path.join(tmpdir(), 'berth-cli-e2e-home-'));
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let image: string;
  let privateImage: string;
  let tenantKey: string;

  /** Runs `berth args` with a clean environment: HOME, PATH and what the test passes, nothing else. */
  const berth = (args: readonly string[], opts: Omit<CliRunOptions, 'home'> = {}): Promise<CliRun> =>
    runCli(args, { home, ...opts });

  /** `berth args --json` that must succeed; returns the parsed JSON. */
  const json = (args: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<any> =>
    runCliJson(args, { home, ...opts });

  /** How many times the API has answered GET /v1/containers/:ref (the CLI's wait polls it). */
  async function containerReads(): Promise<number> {
    const text = (await stack.anonymous().get('/metrics')).body as string;
    return text
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('berth_api_http_requests_total{') &&
          l.includes('method="GET"') &&
          l.includes('route="/v1/containers/:ref"'),
      )
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }

  beforeAll(async () => {
    registry = await startTestRegistry();
    privateRegistry = await startTestRegistry({ htpasswd: { user: 'alice', password: 's3cret-pass' } });
    image = await buildTestImage(registry, 'berth/cli-busybox', {
      cmd: ['sh', '-c', 'echo default-cmd'],
      env: { PATH: '/bin:/usr/bin' },
      files: {
        'usr/bin/polite':
          '#!/bin/sh\ntrap "echo bye; exit 0" TERM\necho polite up\nwhile true; do sleep 1; done\n',
      },
    });
    privateImage = await buildTestImage(privateRegistry, 'team/secret', {
      cmd: ['sh', '-c', 'echo private-ok'],
    });
    await stack.start();
    await stack.startAgent({ name: 'cli-host', driver: 'qemu', env: { BERTH_STOP_TIMEOUT_MS: '2000' } });
  });

  afterAll(async () => {
    await stack.stop();
    await registry?.stop();
    await privateRegistry?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('admin: the operator creates a tenant and sees the host, with the token from the environment', async () => {
    const op = { BERTH_OPERATOR_TOKEN: stack.operatorToken, BERTH_API_URL: stack.apiUrl };
    const created = await json(['admin', 'tenants', 'create', 'cli-tenant'], { env: op });
    expect(created.tenant).toMatchObject({ name: 'cli-tenant', state: 'active' });
    expect(created.apiKey.secret).toMatch(/^bk_[a-z0-9]{10}_/);
    tenantKey = created.apiKey.secret;
    const hosts = await json(['admin', 'hosts', 'ls'], { env: op });
    expect(hosts).toEqual([expect.objectContaining({ name: 'cli-host', driver: 'qemu', state: 'ready' })]);
    const tenants = await json(['admin', 'tenants', 'ls'], { env: op });
    expect(tenants.map((t: any) => t.id)).toContain(created.tenant.id);

    const noToken = await berth(['admin', 'hosts', 'ls'], { env: { BERTH_API_URL: stack.apiUrl } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^Error: auth\/no_operator_token: /);
  });

  it('login: checks the key, stores URL and key in ~/.config/berth/config.json with mode 600', async () => {
    const wrong = await berth(['login', '--url', stack.apiUrl, '--key-stdin'], {
      stdin: 'bk_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^Error: auth\/unauthenticated: /);

    const ok = await berth(['login', '--url', stack.apiUrl, '--key-stdin'], { stdin: `${tenantKey}\n` });
    expect(ok.stderr).toContain('config.json (mode 600)');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Logged in to ${stack.apiUrl}`);
    const file = path.join(home, '.config/berth/config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ apiUrl: stack.apiUrl, apiKey: tenantKey });

    // From here on the CLI runs on the stored login alone (no BERTH_* variables).
    const keys = await json(['keys', 'ls']);
    expect(keys).toHaveLength(1);
  });

  it('pull: an image with its digest, then a private one after `berth login HOST`', async () => {
    const pulled = await json(['pull', image]);
    expect(pulled).toMatchObject({
      reference: image,
      state: 'ready',
      digest: expect.stringMatching(/^sha256:/),
    });
    expect((await json(['images'])).map((i: any) => i.reference)).toContain(image);

    const denied = await berth(['pull', privateImage]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^Error: image\/unauthorized: /);

    const login = await berth(['login', privateRegistry.host, '-u', 'alice', '--password-stdin'], {
      stdin: 's3cret-pass\n',
    });
    expect(login.code).toBe(0);
    expect(await json(['registry', 'ls'])).toEqual([
      expect.objectContaining({ registry: privateRegistry.host, username: 'alice' }),
    ]);
    expect(await json(['pull', privateImage])).toMatchObject({ reference: privateImage, state: 'ready' });

    const removed = await berth(['rmi', privateImage]);
    expect(removed).toMatchObject({ code: 0, stdout: `Deleted: ${privateImage}\n` });
  });

  it('run -d, ps, exec, logs, restart, stop, start, rm: the whole lifecycle of one container', async () => {
    const run = await berth([
      'run',
      '-d',
      '--name',
      'web',
      '--size',
      's1',
      '-l',
      'app=web',
      image,
      '/usr/bin/polite',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^ctr_/);

    const ps = await json(['ps']);
    expect(ps).toEqual([expect.objectContaining({ id, name: 'web', state: 'running', size: 's1' })]);
    expect((await berth(['ps', '-q', '--filter', 'label=app=web'])).stdout).toBe(`${id}\n`);
    expect((await berth(['ps', '-q', '--filter', 'label=app=other'])).stdout).toBe('');

    const exec = await berth(['exec', 'web', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
    expect(exec).toEqual({ code: 4, stdout: 'out\n', stderr: 'err\n' });
    const execJson = await berth(['exec', '--json', '-e', 'X=42', 'web', 'sh', '-c', 'echo $X']);
    expect(execJson.code).toBe(0);
    expect(JSON.parse(execJson.stdout)).toMatchObject({ exitCode: 0, stdout: '42\n' });

    const logs = await berth(['logs', 'web', '--json']);
    expect(logs.code).toBe(0);
    const lines = parseNdjson(logs.stdout);
    expect(lines).toEqual(
      expect.arrayContaining([expect.objectContaining({ stream: 'stdout', text: 'polite up' })]),
    );

    // Ctrl-C during a wait stops the CLI only: the container keeps running, and the CLI says so.
    const polls = await containerReads();
    const interrupted = await berth(['wait', 'web'], {
      interruptWhen: async () => (await containerReads()) > polls + 1,
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('Stopped waiting. web keeps running: `berth wait web` waits again.');
    expect(await json(['inspect', 'web'])).toEqual([expect.objectContaining({ state: 'running' })]);

    const restarted = await json(['restart', 'web']);
    expect(restarted).toEqual([expect.objectContaining({ id, state: 'running' })]);

    const stopped = await json(['stop', 'web']);
    expect(stopped).toEqual([expect.objectContaining({ id, state: 'stopped', exitCode: 0 })]);
    // The goodbye is in the logs. The last lines are "bye" (stdout) and, usually, busybox sh's "Terminated"
    // for its killed `sleep` (stderr), in either order: the CLI prints each on its own stream.
    const tail = await berth(['logs', '--tail', '2', 'web']);
    expect(tail.stdout.endsWith('bye\n')).toBe(true);
    expect(tail.stderr).toMatch(/^(Terminated\n)?$/);
    expect(await json(['ps'])).toEqual([]);
    expect((await json(['ps', '-a'])).map((c: any) => c.id)).toEqual([id]);
    expect(await json(['inspect', 'web'])).toEqual([expect.objectContaining({ id, state: 'stopped' })]);

    const started = await json(['start', 'web']);
    expect(started).toEqual([expect.objectContaining({ id, state: 'running' })]);

    const refused = await berth(['rm', 'web']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: container\/invalid_state: /);
    const rm = await berth(['rm', '-f', 'web']);
    expect(rm).toMatchObject({ code: 0, stdout: 'web\n' });
    expect(await json(['ps', '-a'])).toEqual([]);
  });

  it("run without -d streams the output and exits with the container's exit code", async () => {
    const envFile = path.join(home, 'run.env');
    writeFileSync(envFile, '# for the test\nFROM_FILE=file-value\n');
    const r = await berth([
      'run',
      '--size',
      's1',
      '-e',
      'GREETING=hello',
      '--env-file',
      envFile,
      image,
      'sh',
      '-c',
      'echo "$GREETING $FROM_FILE"; echo to-stderr >&2; exit 7',
    ]);
    expect(r.stdout).toBe('hello file-value\n');
    expect(r.stderr).toBe('to-stderr\n');
    expect(r.code).toBe(7);
  });

  it('wait prints the exit code of a detached container and exits with it', async () => {
    const run = await berth([
      'run',
      '-d',
      '--size',
      's1',
      '--name',
      'job',
      image,
      'sh',
      '-c',
      'sleep 2; exit 5',
    ]);
    expect(run.code).toBe(0);
    const wait = await berth(['wait', 'job']);
    expect(wait).toEqual({ code: 5, stdout: '5\n', stderr: '' });
    const waitJson = await berth(['wait', '--json', 'job']);
    expect(waitJson.code).toBe(5);
    expect(JSON.parse(waitJson.stdout)).toMatchObject({ name: 'job', state: 'exited', exitCode: 5 });
    expect((await berth(['rm', 'job'])).code).toBe(0);
  });

  it('keys: create, list, revoke; a revoked key is refused', async () => {
    const created = await json(['keys', 'create', '--name', 'ci']);
    expect(created).toMatchObject({ name: 'ci', secret: expect.stringMatching(/^bk_/) });
    expect((await json(['keys', 'ls'])).map((k: any) => k.name)).toEqual(expect.arrayContaining(['ci']));
    const asCi = { BERTH_API_KEY: created.secret };
    // The new key sees the same tenant (BERTH_API_KEY wins over the stored key).
    expect(await json(['ps', '-a'], { env: asCi })).toEqual(await json(['ps', '-a']));

    const revoked = await json(['keys', 'revoke', created.id]);
    expect(revoked).toEqual([expect.objectContaining({ id: created.id, revokedAt: expect.any(String) })]);
    const refused = await berth(['ps'], { env: asCi });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: auth\/unauthenticated: /);
  });

  it('errors: an unknown container, an unreachable API, a suspended tenant, each with its code and exit 1', async () => {
    const missing = await berth(['logs', 'no-such-container']);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: container/not_found: container no-such-container does not exist\n',
    });
    const stop = await berth(['stop', 'no-such-container']);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/^Error: container\/not_found: /);

    const down = await berth(['ps'], { env: { BERTH_API_URL: 'http://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^Error: network\/unreachable: cannot reach berth at http:\/\/127\.0\.0\.1:1/,
    );

    const op = { BERTH_OPERATOR_TOKEN: stack.operatorToken };
    const other = await json(['admin', 'tenants', 'create', 'to-suspend'], { env: op });
    await json(['admin', 'tenants', 'suspend', other.tenant.id], { env: op });
    const suspended = await berth(['ps'], { env: { BERTH_API_KEY: other.apiKey.secret } });
    expect(suspended.code).toBe(1);
    expect(suspended.stderr).toMatch(/^Error: tenant\/suspended: /);
  });

  it('completion: the generated bash script parses; logout removes the stored login', async () => {
    const bash = await berth(['completion', 'bash']);
    expect(bash.code).toBe(0);
    const file = path.join(home, 'berth.bash');
    writeFileSync(file, bash.stdout);
    execFileSync('bash', ['-n', file]);

    expect((await berth(['logout'])).code).toBe(0);
    const after = await berth(['ps']);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^Error: auth\/not_logged_in: /);
  });
});
