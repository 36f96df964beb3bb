import { IdempotencyService } from '../common/idempotency.service';
import { InProcessApi, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * A create's answer is committed with the container (issue 15, several API processes): when the process
 * loses it after the commit (it died, or storing it failed), the client's retry with its key gets that
 * answer back and no second container is made.
 */
describe('a create whose answer was lost after its commit (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await InProcessApi.start();
    const host = await api.registerHost();
    await api.hostsTakingWork(host);
    tenant = await api.newTenant();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('replays the committed answer to the retry and makes one container', async () => {
    const store = api.service(IdempotencyService);
    const complete = jest.spyOn(store, 'complete').mockRejectedValueOnce(new Error('the process died here'));
    const body = { image: 'alpine:3.20' };
    const headers = { 'idempotency-key': 'lost-answer-1' };
    try {
      const first = await tenant.http.post('/v1/containers', body, headers);
      expect(first.status).toBe(500); // what the client saw: no answer it can use
    } finally {
      complete.mockRestore();
    }
    const retry = await tenant.http.post<{ data: { id: string } }>('/v1/containers', body, headers);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const rows = await api.rows<{ id: string }>(`SELECT id FROM containers WHERE tenant_id = $1`, [
      tenant.id,
    ]);
    expect(rows.map((r) => r.id)).toEqual([retry.body.data.id]);
  });
});
