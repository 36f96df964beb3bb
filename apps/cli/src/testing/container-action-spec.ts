import type { ContainerState } from '@berth/domain';
import { apiError, FakeBerth, operation, runBerth } from './harness';
import { container } from './fixtures';

/**
 * The spec shared by `start`, `stop` and `restart`: the same flow (post the action per container, wait for
 * each operation, print each ref) with only the verb, the operation kind and the words changing.
 */
export function describeContainerAction(opts: {
  verb: 'start' | 'stop' | 'restart';
  activity: string;
  endState: ContainerState;
}): void {
  const { verb, activity, endState } = opts;

  function accepted(id: string, op: string) {
    return {
      operation: operation({ id: op, kind: `container.${verb}`, state: 'pending', targetId: id }),
      data: container({ id }),
    };
  }

  describe(`berth ${verb}`, () => {
    it(`posts ${verb} for each container, waits for each operation, prints each ref`, async () => {
      const berth = new FakeBerth()
        .on('POST', `/v1/containers/web/${verb}`, accepted('ctr_1', 'op_1'))
        .on('POST', `/v1/containers/worker/${verb}`, accepted('ctr_2', 'op_2'))
        .on('GET', /^\/v1\/operations\/op_[12]$/, operation({ state: 'succeeded' }));
      const res = await runBerth([verb, 'web', 'worker'], { berth });
      expect(res).toMatchObject({ code: 0, stdout: 'web\nworker\n', stderr: '' });
      expect(
        berth
          .calls('GET')
          .map((r) => r.path)
          .sort(),
      ).toEqual(['/v1/operations/op_1', '/v1/operations/op_2']);
      expect(res.output.activities).toEqual([`${activity} 2 containers`]);
    });

    it('--no-wait returns once accepted; --json prints the containers as they ended up', async () => {
      const berth = new FakeBerth().on('POST', `/v1/containers/web/${verb}`, accepted('ctr_1', 'op_1'));
      const noWait = await runBerth([verb, '--no-wait', 'web'], { berth });
      expect(noWait.stdout).toBe('web\n');
      expect(berth.requests).toHaveLength(1);

      berth
        .on('GET', '/v1/operations/op_1', operation())
        .on('GET', '/v1/containers/ctr_1', container({ state: endState }));
      const json = await runBerth([verb, '--json', 'web'], { berth });
      expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: 'ctr_1', state: endState })]);
    });

    it('one unknown container: its coded error, the others still done, exit 1', async () => {
      const berth = new FakeBerth()
        .on('POST', `/v1/containers/web/${verb}`, accepted('ctr_1', 'op_1'))
        .on(
          'POST',
          `/v1/containers/nope/${verb}`,
          apiError(404, 'container/not_found', 'container nope does not exist'),
        )
        .on('GET', '/v1/operations/op_1', operation());
      const res = await runBerth([verb, 'web', 'nope'], { berth });
      expect(res).toMatchObject({
        code: 1,
        stdout: 'web\n',
        stderr: 'Error: container/not_found: container nope does not exist\n',
      });
    });

    it('an operation that failed prints its error code', async () => {
      const berth = new FakeBerth()
        .on('POST', `/v1/containers/web/${verb}`, accepted('ctr_1', 'op_1'))
        .on(
          'GET',
          '/v1/operations/op_1',
          operation({ state: 'failed', error: { code: 'host/lost', message: 'the host is gone' } }),
        );
      const res = await runBerth([verb, 'web'], { berth });
      expect(res).toMatchObject({ code: 1, stdout: '', stderr: 'Error: host/lost: the host is gone\n' });
    });
  });
}
