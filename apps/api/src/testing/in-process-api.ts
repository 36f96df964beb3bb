import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { loadApiConfig, type ApiConfig } from '@berth/config';
import type { CreatedApiKeyView, RegisterHostResponse, TenantView } from '@berth/contracts';
import { createTestDatabase, GENEROUS_LIMITS, requiredEnv, TestHttpClient } from '@berth/testing';
import { buildApp } from '../app.factory';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { RecordingAgentQueues } from './recording-agent-queues';

/** A tenant made through the admin API, as `berth admin tenants create` makes one. */
export interface TestTenant {
  readonly id: string;
  readonly name: string;
  /** Speaks as the tenant (its first API key). */
  readonly http: TestHttpClient;
}

/** A host registered as its agent registers it: a join token, then its own host token. */
export interface TestHost {
  readonly id: string;
  readonly name: string;
  /** Its underlay address, as it registered it. */
  readonly address: string;
  /** Speaks as the host's agent (its host token). */
  readonly agent: TestHttpClient;
}

export interface HostCapacity {
  readonly vcpu?: number;
  readonly memoryMib?: number;
  readonly diskGib?: number;
  /** GiB of the host's volume pool; 0: it takes no volumes. */
  readonly volumeGib?: number;
}

/**
 * The API integration tier's harness: the whole API in this process, on its own copy of the migrated
 * test database, listening on loopback, with the per-host BullMQ queues replaced by a recording queue
 * (RecordingAgentQueues) so that a spec asserts on exactly which jobs and nudges a request caused.
 * Nothing runs on timers (no control worker): a spec drives the host reaper and the operation
 * reconciler by calling them (`service(HostReaperService).reap()`).
 *
 * One per suite (`InProcessApi.start()` in beforeAll, `close()` in afterAll); one tenant per test
 * (`newTenant()`). Hosts share the suite's database, so a spec that needs placement on one host says so
 * (`hostsTakingWork`).
 */
export class InProcessApi {
  /** Hosts registered so far: each gets its own underlay address (192.0.2.N, a documentation block). */
  private hostCount = 0;
  /** Their Redis logins (made in the shared test Redis by registration), removed by close(). */
  private readonly redisUsers: string[] = [];

  private constructor(
    private readonly app: NestFastifyApplication,
    readonly config: ApiConfig,
    readonly url: string,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  /** `env` is added to the API's environment (e.g. a quota or the floating-IP pool). */
  static async start(env: Record<string, string> = {}): Promise<InProcessApi> {
    const db = await createTestDatabase();
    try {
      const config = loadApiConfig({
        ...GENEROUS_LIMITS,
        DATABASE_URL: db.url,
        REDIS_URL: requiredEnv('BERTH_TEST_REDIS_URL'),
        BERTH_QUEUE_PREFIX: `it${randomBytes(4).toString('hex')}`,
        BERTH_OPERATOR_TOKEN: `op_${randomBytes(24).toString('hex')}`,
        BERTH_AGENT_JOIN_TOKEN: `join_${randomBytes(24).toString('hex')}`,
        // A host is lost only when a spec backdates its heartbeat (silenceHost), never by the clock.
        BERTH_HOST_LOST_AFTER_MS: String(3_600_000),
        // Every open operation is the reconciler's as soon as it runs.
        BERTH_RECONCILE_GRACE_MS: '0',
        BERTH_LOG_LEVEL: 'error',
        ...env,
      });
      const { app } = await buildApp(config, {
        backgroundJobs: false,
        overrides: [{ provide: AgentQueuesService, useClass: RecordingAgentQueues }],
      });
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      return new InProcessApi(app, config, `http://127.0.0.1:${port}`, () => db.drop());
    } catch (err) {
      await db.drop();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.redisUsers.length > 0) await this.queues.connection.call('ACL', 'DELUSER', ...this.redisUsers);
    await this.app.close();
    await this.dropDatabase();
  }

  /** Every job and nudge the API sent to hosts' queues. */
  get queues(): RecordingAgentQueues {
    return this.app.get<AgentQueuesService, RecordingAgentQueues>(AgentQueuesService);
  }

  /** One of the API's own services, to run what a timer or a queue job runs in production. */
  service<T>(type: Type<T>): T {
    return this.app.get(type);
  }

  get operator(): TestHttpClient {
    return new TestHttpClient(this.url, this.config.operatorToken);
  }

  anonymous(): TestHttpClient {
    return new TestHttpClient(this.url);
  }

  /** Rows straight from the API's database, for specs that assert on what was written. */
  rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.app.get(DataSource).query(sql, params);
  }

  async newTenant(): Promise<TestTenant> {
    const name = `t-${randomBytes(5).toString('hex')}`;
    const res = await this.operator.post<{ tenant: TenantView; apiKey: CreatedApiKeyView }>(
      '/v1/admin/tenants',
      { name },
    );
    if (res.status !== 201) throw new Error(`tenant not created: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.tenant.id, name, http: new TestHttpClient(this.url, res.body.apiKey.secret) };
  }

  async registerHost(capacity: HostCapacity = {}): Promise<TestHost> {
    const name = `h-${randomBytes(5).toString('hex')}`;
    this.hostCount += 1;
    const address = `192.0.2.${this.hostCount}`;
    const join = new TestHttpClient(this.url, this.config.agentJoinToken ?? undefined);
    const res = await join.post<RegisterHostResponse>('/v1/agent/register', {
      name,
      // Distinct addresses: a host's data plane tunnels to its peers by address.
      address,
      capacity: {
        vcpu: capacity.vcpu ?? 64,
        memoryMib: capacity.memoryMib ?? 262_144,
        diskGib: capacity.diskGib ?? 4096,
        volumeGib: capacity.volumeGib ?? 4096,
      },
      driver: 'hollow',
      capabilities: {},
      agentVersion: 'int-spec',
    });
    if (res.status !== 200) throw new Error(`host not registered: ${res.status} ${JSON.stringify(res.body)}`);
    this.redisUsers.push(res.body.redis.username);
    return {
      id: res.body.hostId,
      name,
      address,
      agent: new TestHttpClient(this.url, res.body.token),
    };
  }

  /**
   * Makes `hosts` the only hosts that take new work: every other host of the suite is set draining (it
   * keeps what it has; placement skips it), so the spec knows where its containers can land.
   */
  async hostsTakingWork(...hosts: TestHost[]): Promise<void> {
    const ids = hosts.map((h) => h.id);
    await this.rows(`UPDATE hosts SET state = 'draining' WHERE state = 'ready' AND NOT (id = ANY($1))`, [
      ids,
    ]);
    await this.rows(`UPDATE hosts SET state = 'ready' WHERE id = ANY($1)`, [ids]);
  }

  /**
   * Dates a container's creation back to `at`. Specs that drive hosts' reports on a fixed past clock need
   * it: the API takes a host's time only within what is possible, never before the container was made.
   */
  async madeAt(containerId: string, at: Date): Promise<void> {
    await this.rows(`UPDATE containers SET created_at = $2 WHERE id = $1`, [containerId, at]);
  }

  /**
   * Backdates the host's last heartbeat past the lost-host deadline, with the control plane up all that
   * time (no outage of its own excuses the silence): the reaper's next run takes it.
   */
  async silenceHost(host: TestHost): Promise<void> {
    await this.rows(`UPDATE hosts SET last_heartbeat_at = now() - interval '2 hours' WHERE id = $1`, [
      host.id,
    ]);
    await this.controlPlaneUpSince(`now() - interval '2 hours'`);
  }

  /** Records that the control plane has been seen alive until now, since `since` (SQL, the DB's clock). */
  async controlPlaneUpSince(since: string): Promise<void> {
    await this.rows(
      `INSERT INTO control_plane_liveness AS l (id, seen_at, resumed_at) VALUES (1, now(), ${since})
       ON CONFLICT (id) DO UPDATE SET seen_at = now(), resumed_at = least(l.resumed_at, ${since})`,
    );
  }

  /** Records that the control plane was last seen alive at `at` (SQL, the DB's clock): down since. */
  async controlPlaneDownSince(at: string): Promise<void> {
    await this.rows(
      `INSERT INTO control_plane_liveness AS l (id, seen_at, resumed_at) VALUES (1, ${at}, ${at})
       ON CONFLICT (id) DO UPDATE SET seen_at = ${at}, resumed_at = least(l.resumed_at, ${at})`,
    );
  }
}
