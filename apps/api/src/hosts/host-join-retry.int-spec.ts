import { randomBytes } from 'node:crypto';
import type { RegisterHostResponse } from '@berth/contracts';
import { TestHttpClient } from '@berth/testing';
import { InProcessApi } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * A join whose answer is lost (the agent timed out while the API registered the host) must not leave the
 * name registered without its token (issue 15: a fleet of 1,000 coming up under load). The agent repeats
 * the join with the key it kept from before the first try; only that key, and only until the host first
 * uses its token, gets the host back.
 */
describe('repeating a join with its join key (in-process api)', () => {
  let api: InProcessApi;
  let join: TestHttpClient;

  beforeAll(async () => {
    api = await InProcessApi.start();
    join = api.anonymous().as(api.config.agentJoinToken!);
  });

  afterAll(async () => {
    await api?.close();
  });

  const key = (): string => randomBytes(32).toString('base64url');
  const request = (name: string, joinKey?: string) => ({
    name,
    address: '192.0.2.200',
    capacity: { vcpu: 8, memoryMib: 16384, diskGib: 100, volumeGib: 0 },
    driver: 'hollow',
    capabilities: {},
    agentVersion: 'int-spec',
    ...(joinKey !== undefined ? { joinKey } : {}),
  });
  const beat = (token: string) =>
    join.as(token).post('/v1/agent/heartbeat', { at: new Date().toISOString(), machines: 0 });

  it('answers a join repeated with the same key again: same host, a new token, the lost one void', async () => {
    const name = `h-${randomBytes(4).toString('hex')}`;
    const k = key();
    const first = await join.post<RegisterHostResponse>('/v1/agent/register', request(name, k));
    expect(first.status).toBe(200);
    const again = await join.post<RegisterHostResponse>('/v1/agent/register', request(name, k));
    expect(again.status).toBe(200);
    expect(again.body.hostId).toBe(first.body.hostId);
    expect(again.body.token).toBeDefined();
    expect(again.body.token).not.toBe(first.body.token);
    expect((await beat(first.body.token!)).status).toBe(401);
    expect((await beat(again.body.token!)).status).toBe(200);
    const hosts = await api.rows<{ n: string }>(`SELECT count(*) AS n FROM hosts WHERE name = $1`, [name]);
    expect(hosts[0]?.n).toBe('1');
  });

  it('refuses the name to another key, or to no key: 409 host/name_taken, the host unchanged', async () => {
    const name = `h-${randomBytes(4).toString('hex')}`;
    const first = await join.post<RegisterHostResponse>('/v1/agent/register', request(name, key()));
    expect(first.status).toBe(200);
    for (const other of [request(name, key()), request(name)]) {
      const res = await join.post('/v1/agent/register', other);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('host/name_taken');
    }
    expect((await beat(first.body.token!)).status).toBe(200);
  });

  it('forgets the key once the host has used its token: a heartbeat closes the window', async () => {
    const name = `h-${randomBytes(4).toString('hex')}`;
    const k = key();
    const first = await join.post<RegisterHostResponse>('/v1/agent/register', request(name, k));
    expect(first.status).toBe(200);
    expect((await beat(first.body.token!)).status).toBe(200);
    const [row] = await api.rows<{ join_key_hash: string | null }>(
      `SELECT join_key_hash FROM hosts WHERE id = $1`,
      [first.body.hostId],
    );
    expect(row?.join_key_hash).toBeNull();
    const res = await join.post('/v1/agent/register', request(name, k));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('host/name_taken');
    expect((await beat(first.body.token!)).status).toBe(200);
  });

  it('refuses a join key that is not 32 bytes of base64url with a coded 400', async () => {
    const res = await join.post(
      '/v1/agent/register',
      request(`h-${randomBytes(4).toString('hex')}`, 'short'),
    );
    expect(res.status).toBe(400);
  });
});
