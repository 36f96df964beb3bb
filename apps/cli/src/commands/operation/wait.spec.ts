import { FakeBerth, operation, runBerth } from '../../testing/harness';

describe('berth operation wait', () => {
  it('polls each operation until it ends and prints how it ended', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/operations/op_1', operation({ kind: 'image.pull' }))
      .on('GET', '/v1/operations/op_1', operation({ kind: 'image.pull', state: 'running' }), 1);
    const res = await runBerth(['operation', 'wait', 'op_1'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'op_1 image.pull succeeded\n' });
    expect(berth.requests.map((r) => r.query)).toEqual([{ wait: 30 }, { wait: 30 }]);
  });

  it('a failed or superseded operation: its error, exit 1; --json prints them all', async () => {
    const berth = new FakeBerth()
      .on(
        'GET',
        '/v1/operations/op_1',
        operation({ state: 'failed', error: { code: 'image/not_found', message: 'no such image' } }),
      )
      .on(
        'GET',
        '/v1/operations/op_2',
        operation({ id: 'op_2', kind: 'container.stop', state: 'superseded' }),
      );
    const res = await runBerth(['operation', 'wait', '--json', 'op_1', 'op_2'], { berth });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).map((o: { state: string }) => o.state)).toEqual(['failed', 'superseded']);
    expect(res.stderr).toBe(
      'Error: image/not_found: no such image\n' +
        'Error: operation/superseded: container.stop op_2 was replaced by a newer action on ctr_1\n',
    );
  });
});
