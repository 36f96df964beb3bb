import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { image } from '../../testing/fixtures';

describe('berth rmi', () => {
  it('deletes each image by URL-encoded reference or id', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/images/reg.test%2Fme%2Fapp%3A1', image())
      .on('DELETE', '/v1/images/img_2', image({ id: 'img_2', reference: 'other:2' }));
    const res = await runBerth(['rmi', 'reg.test/me/app:1', 'img_2'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'Deleted: reg.test/me/app:1\nDeleted: other:2\n' });
    const json = await runBerth(['rmi', '--json', 'img_2'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: 'img_2' })]);
  });

  it('an unknown image: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/images/nope',
      apiError(404, 'image/not_found', 'image nope does not exist'),
    );
    const res = await runBerth(['rmi', 'nope'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: image/not_found: image nope does not exist\n',
    });
  });
});
