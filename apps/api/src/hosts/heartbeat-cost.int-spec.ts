import { DataSource } from 'typeorm';
import { inAnotherTransaction } from '@berth/testing';
import type { HeartbeatResponse } from '@berth/contracts';
import { HostRepository } from '@berth/db';
import type { HostId } from '@berth/domain';
import { InProcessApi, type TestHost } from '../testing/in-process-api';
import { legacyScryptHash, secretOf } from '../testing/legacy-token-hash';
import { statementsSent } from '../testing/statements-sent';

jest.setTimeout(60_000);

/**
 * What a heartbeat costs the database (issue 15: 1,000 hosts beating every 3 s are ~330 heartbeats a
 * second before any work): the host token's lookup and one UPDATE ... RETURNING, no transaction, no
 * slow hash. A change that adds a statement to every heartbeat fails here first.
 */
describe('a heartbeat, statement by statement (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;

  beforeAll(async () => {
    api = await InProcessApi.start();
    host = await api.registerHost();
  });

  afterAll(async () => {
    await api?.close();
  });

  async function beat(): Promise<string[]> {
    const { sent } = await statementsSent(api.service(DataSource), async () => {
      const res = await host.agent.post<HeartbeatResponse>('/v1/agent/heartbeat', {
        at: new Date().toISOString(),
        machines: 0,
      });
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('ready');
    });
    return sent;
  }

  it('costs the host lookup by token prefix (two columns) and one UPDATE ... RETURNING', async () => {
    await beat();
    const sent = await beat();
    expect(sent).toHaveLength(2);
    const [auth, update] = sent as [string, string];
    expect(auth).toBe('SELECT id, token_hash FROM hosts WHERE token_prefix = $1');
    expect(update).toMatch(/^UPDATE hosts .* RETURNING /);
  });

  it('never waits behind a transaction that placed work on the host (its foreign-key lock)', async () => {
    const ds = api.service(DataSource);
    await ds.transaction(async (em) => {
      // What inserting a container (or operation) on the host holds until it commits, for the foreign key.
      await em.query(`SELECT 1 FROM hosts WHERE id = $1 FOR KEY SHARE`, [host.id]);
      const probe = await inAnotherTransaction(ds, (other) =>
        new HostRepository(other).recordHeartbeat(
          host.id as HostId,
          { ready: 'ready', lost: 'ready', draining: 'draining' },
          {
            hostAt: new Date(),
          },
        ),
      );
      expect(probe).not.toBe('blocked');
    });
  });

  it("upgrades a host's legacy scrypt hash on its first request, once, and keeps it working", async () => {
    const legacy = legacyScryptHash(secretOf(host.agent.token!));
    await api.rows(`UPDATE hosts SET token_hash = $2 WHERE id = $1`, [host.id, legacy]);

    const first = await beat();
    expect(first).toHaveLength(3);
    expect(first[1]).toMatch(/^UPDATE "hosts" SET "token_hash" = \$1 WHERE .*"token_hash" = \$3/);
    const [row] = await api.rows<{ token_hash: string }>(`SELECT token_hash FROM hosts WHERE id = $1`, [
      host.id,
    ]);
    expect(row?.token_hash).toMatch(/^sha256\$/);
    expect(await beat()).toHaveLength(2);
  });
});
