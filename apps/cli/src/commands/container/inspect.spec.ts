import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { container, image } from '../../testing/fixtures';

describe('berth inspect', () => {
  it('prints containers as a JSON array', async () => {
    const berth = new FakeBerth().on('GET', '/v1/containers/web', container());
    const res = await runBerth(['inspect', 'web'], { berth });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([container()]);
  });

  it('falls back to an image when no container has that ref; --type image goes straight there', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/containers/reg.test%2Fme%2Fapp%3A1', apiError(404, 'container/not_found', 'no'))
      .on('GET', '/v1/images/reg.test%2Fme%2Fapp%3A1', image());
    const res = await runBerth(['inspect', 'reg.test/me/app:1'], { berth });
    expect(JSON.parse(res.stdout)).toEqual([image()]);
    const typed = await runBerth(['inspect', '--type', 'image', 'reg.test/me/app:1'], { berth });
    expect(JSON.parse(typed.stdout)).toEqual([image()]);
    expect(berth.calls('GET', '/v1/containers/reg.test%2Fme%2Fapp%3A1')).toHaveLength(1);
  });

  it('prints what it found and an error for each ref it did not, then exits 1', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/containers/web', container())
      .on('GET', '/v1/containers/nope', apiError(404, 'container/not_found', 'no'))
      .on('GET', '/v1/images/nope', apiError(404, 'image/not_found', 'no'));
    const res = await runBerth(['inspect', 'web', 'nope'], { berth });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toHaveLength(1);
    expect(res.stderr).toBe('Error: object/not_found: no container or image nope\n');
  });

  it('--type container does not look at images', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/containers/nope',
      apiError(404, 'container/not_found', 'container nope does not exist'),
    );
    const res = await runBerth(['inspect', '--type', 'container', 'nope'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stderr: 'Error: container/not_found: container nope does not exist\n',
    });
    expect(berth.requests).toHaveLength(1);
  });
});
