import { randomBytes } from 'node:crypto';
import { expectError, TestStack, waitOp, type HttpResult, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * `Idempotency-Key` on POSTs that create or act (DESIGN.md "Idempotency"), against the real API and an
 * agent. The contract, from apps/api/src/common/idempotency.*.ts:
 *   - same key and body (in any key order): the first answer again, with `Idempotent-Replayed: true`;
 *   - same key, another body (or another route): 409 `idempotency/key_reused`;
 *   - a key is per caller: another tenant's identical key is unrelated;
 *   - while the first request runs, a concurrent one gets 409 `idempotency/in_progress` (or the replay);
 *   - a request that fails (validation, a domain error) releases its key, so the client may retry it,
 *     corrected or not; only a successful answer binds the key;
 *   - a key is 1 to 255 printable ASCII characters, else 400 `request/invalid`.
 * Records are kept 24 hours (then the key is new again), answers that hold a secret only sealed, and
 * requests are told apart by a keyed HMAC: those are proved in secrets-at-rest.e2e-spec.ts.
 */
describe('idempotency keys (api + agent processes)', () => {
  const stack = new TestStack('idempotency');
  let tenant: TestHttpClient;
  let other: TestHttpClient;

  beforeAll(async () => {
    await stack.start();
    // Room for every container this file makes (each size takes at least 1 vCPU).
    await stack.startAgent({
      name: 'host-a',
      env: { BERTH_HOST_VCPU: '64', BERTH_HOST_MEMORY_MIB: '65536' },
    });
    tenant = (await stack.tenant('idem-a')).http;
    other = (await stack.tenant('idem-b')).http;
  });

  afterAll(() => stack.stop());

  const key = (label: string) => ({ 'Idempotency-Key': `${label}-${randomBytes(8).toString('hex')}` });

  async function containersLabelled(http: TestHttpClient, test: string): Promise<string[]> {
    const res = await http.get(`/v1/containers?label=${encodeURIComponent(`test=${test}`)}&limit=200`);
    expect(res.status).toBe(200);
    return (res.body.data as { id: string }[]).map((c) => c.id);
  }

  /** A refusal explains itself in a sentence, not a bare word. */
  const expectRefusal = (res: HttpResult, status: number, code: string): void =>
    expectError(res, status, code, { messageLongerThan: 10 });

  it('answers a repeated request with the first answer and creates one container', async () => {
    const headers = key('replay');
    const body = { image: 'busybox:latest', size: 's1', env: { A: '1', B: '2' }, labels: { test: 'replay' } };
    const first = await tenant.post('/v1/containers', body, headers);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const second = await tenant.post('/v1/containers', body, headers);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.body.operation.id).toBe(first.body.operation.id);
    expect(second.body).toEqual(first.body);

    // The same JSON with its keys in another order is the same request.
    const reordered = {
      labels: { test: 'replay' },
      env: { B: '2', A: '1' },
      size: 's1',
      image: 'busybox:latest',
    };
    const third = await tenant.post('/v1/containers', reordered, headers);
    expect(third.status).toBe(202);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body.data.id).toBe(first.body.data.id);

    expect(await containersLabelled(tenant, 'replay')).toEqual([first.body.data.id]);
    expect(await waitOp(tenant, first.body.operation.id)).toMatchObject({ state: 'succeeded' });
    // Replays after the work finished still give the first answer, not the current state.
    const late = await tenant.post('/v1/containers', body, headers);
    expect(late.headers.get('idempotent-replayed')).toBe('true');
    expect(late.body.operation).toEqual(first.body.operation);
    expect(await containersLabelled(tenant, 'replay')).toHaveLength(1);
  });

  it('refuses the same key with another body, and leaves the first container alone', async () => {
    const headers = key('reuse');
    const first = await tenant.post(
      '/v1/containers',
      { image: 'busybox:latest', size: 's1', labels: { test: 'reuse' } },
      headers,
    );
    expect(first.status).toBe(202);
    const reused = await tenant.post(
      '/v1/containers',
      { image: 'busybox:latest', size: 's2', labels: { test: 'reuse' } },
      headers,
    );
    expectRefusal(reused, 409, 'idempotency/key_reused');
    expect(reused.body.error.message).toMatch(/Idempotency-Key/);
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
    expect(await containersLabelled(tenant, 'reuse')).toEqual([first.body.data.id]);
    expect((await tenant.get(`/v1/containers/${first.body.data.id}`)).body.size).toBe('s1');
  });

  it('keeps keys per tenant: another tenant may use the same key and body', async () => {
    const headers = key('shared');
    const body = { image: 'busybox:latest', size: 's1', labels: { test: 'shared' } };
    const mine = await tenant.post('/v1/containers', body, headers);
    const theirs = await other.post('/v1/containers', body, headers);
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    expect(theirs.body.operation.id).not.toBe(mine.body.operation.id);
    expect(await containersLabelled(tenant, 'shared')).toEqual([mine.body.data.id]);
    expect(await containersLabelled(other, 'shared')).toEqual([theirs.body.data.id]);
    // And the other tenant's replay is its own first answer.
    const theirsAgain = await other.post('/v1/containers', body, headers);
    expect(theirsAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(theirsAgain.body.data.id).toBe(theirs.body.data.id);
  });

  it('creates exactly one container from 10 concurrent requests with one key', async () => {
    const headers = key('race');
    const body = { image: 'busybox:latest', size: 's1', labels: { test: 'race' } };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => tenant.post('/v1/containers', body, headers)),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status !== 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    // Exactly one request did the work; every other 202 is a replay of it.
    expect(accepted.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(new Set(accepted.map((a) => a.body.data.id)).size).toBe(1);
    expect(new Set(accepted.map((a) => a.body.operation.id)).size).toBe(1);
    for (const r of refused) expectRefusal(r, 409, 'idempotency/in_progress');

    const id = accepted[0]!.body.data.id as string;
    expect(await containersLabelled(tenant, 'race')).toEqual([id]);
    // Once the first has finished, the key answers with it.
    const after = await tenant.post('/v1/containers', body, headers);
    expect(after.status).toBe(202);
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(after.body.data.id).toBe(id);
  });

  it('does not burn a key on a request that failed validation', async () => {
    const headers = key('invalid');
    const bad = { image: 'busybox:latest', size: 'xl', labels: { test: 'invalid' } };
    const good = { image: 'busybox:latest', size: 's1', labels: { test: 'invalid' } };

    const first = await tenant.post('/v1/containers', bad, headers);
    expectRefusal(first, 400, 'request/invalid');
    expect(first.body.error.message).toMatch(/size must be one of/);
    // Not remembered: the same bad request is validated again (not replayed, not "in progress").
    const again = await tenant.post('/v1/containers', bad, headers);
    expectRefusal(again, 400, 'request/invalid');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await containersLabelled(tenant, 'invalid')).toEqual([]);

    // The corrected request may use the same key, and then binds it.
    const fixed = await tenant.post('/v1/containers', good, headers);
    expect(fixed.status).toBe(202);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    const replay = await tenant.post('/v1/containers', good, headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.id).toBe(fixed.body.data.id);
    const badNow = await tenant.post('/v1/containers', bad, headers);
    expectRefusal(badNow, 409, 'idempotency/key_reused');
    expect(await containersLabelled(tenant, 'invalid')).toEqual([fixed.body.data.id]);
  });

  it('does not burn a key on a request that failed in the domain, so the same request can be retried', async () => {
    const holder = await tenant.post('/v1/containers', {
      image: 'busybox:latest',
      size: 's1',
      name: 'taken',
    });
    expect(holder.status).toBe(202);
    await waitOp(tenant, holder.body.operation.id);

    const headers = key('domain');
    const body = { image: 'busybox:latest', size: 's1', name: 'taken', labels: { test: 'domain' } };
    const refused = await tenant.post('/v1/containers', body, headers);
    expectRefusal(refused, 409, 'container/name_taken');

    const del = await tenant.delete('/v1/containers/taken?force=true');
    expect(del.status).toBe(202);
    expect(await waitOp(tenant, del.body.operation.id)).toMatchObject({ state: 'succeeded' });

    const retried = await tenant.post('/v1/containers', body, headers);
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.data.name).toBe('taken');
    expect(await containersLabelled(tenant, 'domain')).toEqual([retried.body.data.id]);
  });

  it('rejects a key that is too long or not printable ASCII, and accepts one of 255 characters', async () => {
    const body = { image: 'busybox:latest', size: 's1', labels: { test: 'keyshape' } };
    const long = await tenant.post('/v1/containers', body, { 'Idempotency-Key': 'k'.repeat(256) });
    expectRefusal(long, 400, 'request/invalid');
    expect(long.body.error.message).toMatch(/Idempotency-Key must be 1 to 255 printable ASCII/);
    const spaced = await tenant.post('/v1/containers', body, { 'Idempotency-Key': 'has a space' });
    expectRefusal(spaced, 400, 'request/invalid');
    expect(await containersLabelled(tenant, 'keyshape')).toEqual([]);

    const max = { 'Idempotency-Key': `${'k'.repeat(255 - 16)}${randomBytes(8).toString('hex')}` };
    expect(max['Idempotency-Key']).toHaveLength(255);
    const ok = await tenant.post('/v1/containers', body, max);
    expect(ok.status).toBe(202);
    const replay = await tenant.post('/v1/containers', body, max);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await containersLabelled(tenant, 'keyshape')).toEqual([ok.body.data.id]);
  });

  it('makes an action idempotent: stop twice with one key is one operation', async () => {
    const created = await tenant.post('/v1/containers', {
      image: 'busybox:latest',
      size: 's1',
      labels: { test: 'action' },
    });
    expect(created.status).toBe(202);
    const id = created.body.data.id as string;
    expect(await waitOp(tenant, created.body.operation.id)).toMatchObject({ state: 'succeeded' });

    const headers = key('stop');
    const first = await tenant.post(`/v1/containers/${id}/stop`, undefined, headers);
    expect(first.status).toBe(202);
    expect(first.body.operation.kind).toBe('container.stop');
    const second = await tenant.post(`/v1/containers/${id}/stop`, undefined, headers);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.operation.id).toBe(first.body.operation.id);
    expect(second.body.data.generation).toBe(first.body.data.generation);

    expect(await waitOp(tenant, first.body.operation.id)).toMatchObject({ state: 'succeeded' });
    const ops = await tenant.get(`/v1/operations?targetId=${id}`);
    expect(ops.status).toBe(200);
    const kinds = (ops.body.data as { kind: string }[]).map((o) => o.kind).sort();
    expect(kinds).toEqual(['container.create', 'container.stop']);
    const container = (await tenant.get(`/v1/containers/${id}`)).body;
    expect(container).toMatchObject({ state: 'stopped', generation: first.body.data.generation });

    // A replay after the stop finished is still the first answer, not a second stop (which is a 409 now).
    const third = await tenant.post(`/v1/containers/${id}/stop`, undefined, headers);
    expect(third.status).toBe(202);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body.operation.id).toBe(first.body.operation.id);

    // The key is bound to that request: using it to start the container is another request.
    const start = await tenant.post(`/v1/containers/${id}/start`, undefined, headers);
    expectRefusal(start, 409, 'idempotency/key_reused');
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('stopped');
  });
});
