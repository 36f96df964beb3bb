import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { image } from '../../testing/fixtures';

const accepted = {
  operation: operation({ kind: 'image.pull', state: 'pending', targetId: 'img_1' }),
  data: image({ state: 'pulling', digest: null, sizeBytes: null }),
};

describe('berth pull', () => {
  it('posts the pull, waits for it, prints the digest and size', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/images/pull', accepted)
      .on('GET', '/v1/operations/op_1', operation({ kind: 'image.pull' }))
      .on('GET', '/v1/images/img_1', image());
    const res = await runBerth(['pull', 'reg.test/me/app:1'], { berth });
    expect(res.code).toBe(0);
    expect(berth.calls('POST')[0]!.body).toEqual({ image: 'reg.test/me/app:1' });
    expect(res.stdout).toBe(`reg.test/me/app:1: pulled ${image().digest} (1.23 MB)\n`);
    expect(res.output.activities).toEqual(['Pulling reg.test/me/app:1']);
  });

  it('-q prints the id, --json the image, --no-wait returns at once', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/images/pull', accepted)
      .on('GET', '/v1/operations/op_1', operation())
      .on('GET', '/v1/images/img_1', image());
    expect((await runBerth(['pull', '-q', 'x'], { berth })).stdout).toBe('img_1\n');
    expect(JSON.parse((await runBerth(['pull', '--json', 'x'], { berth })).stdout)).toEqual(image());
    const noWait = await runBerth(['pull', '--no-wait', 'x'], {
      berth: new FakeBerth().on('POST', '/v1/images/pull', accepted),
    });
    expect(noWait.stdout).toBe('reg.test/me/app:1: pulling (operation op_1)\n');
  });

  it("a refused pull prints the operation's coded error and exits 1", async () => {
    const berth = new FakeBerth().on('POST', '/v1/images/pull', accepted).on(
      'GET',
      '/v1/operations/op_1',
      operation({
        state: 'failed',
        error: { code: 'image/unauthorized', message: 'the registry refused our login' },
      }),
    );
    const res = await runBerth(['pull', 'x'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: image/unauthorized: the registry refused our login\n',
    });
  });

  it('a bad reference: the API error, exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/images/pull',
      apiError(400, 'request/invalid', 'image must be an image reference'),
    );
    const res = await runBerth(['pull', 'BAD REF'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stderr: 'Error: request/invalid: image must be an image reference\n',
    });
  });
});
