import { newId } from '@berth/domain';
import { TerminalDriverError } from '../driver';
import { execProcess, mergeEnv, startSpec, workloadProcess } from './workload';

const image = {
  entrypoint: ['/entry'],
  cmd: ['serve', '--port', '80'],
  env: ['PATH=/bin', 'A=1'],
  workdir: '/app',
  user: 'app',
};
const spec = (command: string[] | null, env: Record<string, string> = {}) => ({
  id: newId('ctr'),
  name: 'c',
  image: 'x',
  command,
  env,
  resources: { vcpu: 1, memoryMib: 64, diskGib: 1 },
  restartPolicy: 'no',
});

describe('workloadProcess', () => {
  it('runs entrypoint + cmd by default, with the image env, workdir and user', () => {
    expect(workloadProcess(spec(null), image)).toEqual({
      args: ['/entry', 'serve', '--port', '80'],
      env: ['PATH=/bin', 'A=1'],
      workdir: '/app',
      user: 'app',
    });
  });

  it('replaces cmd but keeps the entrypoint when the container gives a command, and overrides env by key', () => {
    const p = workloadProcess(spec(['debug'], { A: '2', B: '3' }), image);
    expect(p.args).toEqual(['/entry', 'debug']);
    expect(p.env).toEqual(['PATH=/bin', 'A=2', 'B=3']);
  });

  it('fails terminally when there is nothing to run', () => {
    expect(() => workloadProcess(spec(null), { ...image, entrypoint: [], cmd: [] })).toThrow(
      TerminalDriverError,
    );
  });

  it('keeps values containing "="', () => {
    expect(mergeEnv(['X=a=b'], {})).toEqual(['X=a=b']);
  });
});

describe('startSpec', () => {
  it('adds the hostname, the disks by serial, one line per NIC in guest order and /etc/hosts', () => {
    const s = {
      ...spec(null),
      name: 'web',
      interfaces: [
        { tap: 't0', mac: 'm0', address: '10.0.0.2', prefixLength: 24, gateway: '10.0.0.1', mtu: 1450 },
        { tap: 't1', mac: 'm1', address: '10.1.0.2', prefixLength: 16, gateway: '10.1.0.1', mtu: 1500 },
      ],
      hostsFile: '10.0.0.3 db\n',
      volumes: [{ serial: 'berth-vol0', path: '/data', file: '/pool/v.raw' }],
    };
    const workload = workloadProcess(s, image);
    expect(startSpec(s, workload, 1234)).toEqual({
      ...workload,
      hostname: 'web',
      rootReadOnlyDevice: 'serial:berth-root',
      rootWritableDevice: 'serial:berth-rw',
      mounts: [{ device: 'serial:berth-vol0', path: '/data', fstype: 'ext4' }],
      timeMs: 1234,
      networks: ['eth0 10.0.0.2/24 10.0.0.1 1450', 'eth1 10.1.0.2/16 10.1.0.1 1500'],
      hosts: '10.0.0.3 db\n',
    });
  });

  it('sends no /etc/hosts when the container has none, and no NICs when it has no interfaces', () => {
    const out = startSpec(spec(null), workloadProcess(spec(null), image), 0);
    expect(out).not.toHaveProperty('hosts');
    expect(out.networks).toEqual([]);
  });
});

describe('execProcess', () => {
  const withImage = (env: Record<string, string> = {}) => ({
    ...spec(null, env),
    rootfs: { path: '/img', config: image },
  });

  it("runs in the container's environment, the request's variables last", () => {
    expect(execProcess(withImage({ A: '2' }), { args: ['env'], env: ['C=4'], timeoutMs: 1 })).toEqual({
      args: ['env'],
      env: ['PATH=/bin', 'A=2', 'C=4'],
      workdir: '/app',
      user: 'app',
    });
  });

  it("takes the request's workdir and user over the image's", () => {
    const p = execProcess(withImage(), { args: ['id'], workdir: '/tmp', user: 'root', timeoutMs: 1 });
    expect(p).toMatchObject({ workdir: '/tmp', user: 'root' });
  });

  it('leaves workdir and user to the guest when neither the request nor an image gives them', () => {
    const p = execProcess(spec(null), { args: ['id'], timeoutMs: 1 });
    expect(p).toEqual({ args: ['id'], env: [] });
  });
});
