import { newId } from '@berth/domain';
import { TerminalDriverError } from '../driver';
import { mergeEnv, workloadProcess } from './workload';

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
