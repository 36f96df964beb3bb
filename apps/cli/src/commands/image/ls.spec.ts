import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { image } from '../../testing/fixtures';

describe('berth images', () => {
  const berth = () => new FakeBerth().on('GET', '/v1/images', { data: [image()], nextCursor: null });

  it('prints a table with short digests and sizes', async () => {
    const res = await runBerth(['images'], { berth: berth() });
    const [head, row] = res.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^IMAGE ID\s+REFERENCE\s+DIGEST\s+SIZE\s+STATE\s+CREATED$/);
    expect(row).toMatch(
      /^img_1\s+reg\.test\/me\/app:1\s+sha256:0123456789ab\s+1\.23 MB\s+ready\s+Less than a second ago$/,
    );
  });

  it('--no-trunc, -q and --json', async () => {
    expect((await runBerth(['images', '--no-trunc'], { berth: berth() })).stdout).toContain(image().digest!);
    expect((await runBerth(['images', '-q'], { berth: berth() })).stdout).toBe('img_1\n');
    expect(JSON.parse((await runBerth(['images', '--json'], { berth: berth() })).stdout)).toEqual([image()]);
  });

  it('an API error: its code and exit 1', async () => {
    const res = await runBerth(['images'], {
      berth: new FakeBerth().on(
        'GET',
        '/v1/images',
        apiError(401, 'auth/unauthenticated', 'invalid API key'),
      ),
    });
    expect(res).toMatchObject({ code: 1, stderr: 'Error: auth/unauthenticated: invalid API key\n' });
  });
});
