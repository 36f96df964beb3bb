import { newId } from '@berth/domain';
import {
  agentQueueName,
  agentRedisKeyPatterns,
  agentRedisUsername,
  containerJobId,
  HOST_SYNC_JOB,
  hostSyncDeduplicationId,
  logStreamKey,
} from './names';
import { hostSyncJobOptions, parseContainerJob, parseHostSyncJob } from './payloads';

describe('queue names', () => {
  it('builds per-host queue names and deterministic job ids without colons', () => {
    const host = newId('hst');
    const ctr = newId('ctr');
    expect(agentQueueName(host)).toBe(`agent.${host}`);
    const id = containerJobId('container.start', ctr, 3);
    expect(id).toBe(`container.start.${ctr}.g3`);
    expect(id).toBe(containerJobId('container.start', ctr, 3));
    expect(id).not.toContain(':');
  });
});

describe("an agent's Redis key space", () => {
  /** Redis's glob, enough for the patterns made here: '*' and backslash escapes. */
  function matches(pattern: string, key: string): boolean {
    const re = pattern.replace(
      /\\(.)|(\*)|([.+?^${}()|[\]\\])/g,
      (_m, esc: string, star: string, special: string) =>
        esc !== undefined ? esc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : star ? '.*' : `\\${special}`,
    );
    return new RegExp(`^${re}$`).test(key);
  }
  const covered = (patterns: string[], key: string) => patterns.some((p) => matches(p, key));

  it("covers its own queue's keys and its containers' log streams, and nothing of another host", () => {
    const a = newId('hst');
    const b = newId('hst');
    const ctr = newId('ctr');
    const patterns = agentRedisKeyPatterns('berth', a);
    for (const key of [
      `berth:agent.${a}:wait`,
      `berth:agent.${a}:meta`,
      `berth:agent.${a}:${containerJobId('container.start', ctr, 1)}`,
      `berth:agent.${a}:${containerJobId('container.start', ctr, 1)}:logs`,
      logStreamKey('berth', a, ctr),
    ]) {
      expect(covered(patterns, key)).toBe(true);
    }
    for (const key of [
      `berth:agent.${b}:wait`,
      logStreamKey('berth', b, ctr),
      `berth:control:wait`,
      `berth:agent.${a}`,
      `other:agent.${a}:wait`,
      `berth:logs:${ctr}`,
    ]) {
      expect(covered(patterns, key)).toBe(false);
    }
    expect(agentRedisUsername(a)).toBe(`berth-agent-${a}`);
  });
});

describe('parseContainerJob', () => {
  it('accepts ids and a generation', () => {
    const job = { containerId: newId('ctr'), operationId: newId('op'), generation: 2 };
    expect(parseContainerJob(job)).toEqual(job);
  });

  it('rejects payloads that are not ids-plus-generation', () => {
    expect(() => parseContainerJob({ containerId: 'x', operationId: newId('op'), generation: 1 })).toThrow();
    expect(() =>
      parseContainerJob({ containerId: newId('ctr'), operationId: newId('op'), generation: -1 }),
    ).toThrow();
  });
});

describe('host.sync', () => {
  it('has one deduplication id per host, without colons', () => {
    const host = newId('hst');
    expect(HOST_SYNC_JOB).toBe('host.sync');
    expect(hostSyncDeduplicationId(host)).toBe(`host.sync.${host}`);
    expect(hostSyncDeduplicationId(host)).not.toContain(':');
    expect(hostSyncDeduplicationId(host)).not.toBe(hostSyncDeduplicationId(newId('hst')));
  });

  it('collapses by deduplication (keeping one next job while one runs), never by a fixed job id', () => {
    const host = newId('hst');
    const opts = hostSyncJobOptions(host);
    expect(opts.deduplication).toEqual({ id: hostSyncDeduplicationId(host), keepLastIfActive: true });
    // A fixed id would make the add a no-op while the host's sync runs: the change would wait for a poll.
    expect(opts).not.toHaveProperty('jobId');
    expect(opts).toMatchObject({ removeOnComplete: true, removeOnFail: true });
  });

  it('carries a host id only', () => {
    const job = { hostId: newId('hst') };
    expect(parseHostSyncJob(job)).toEqual(job);
    expect(() => parseHostSyncJob({ hostId: newId('ctr') })).toThrow();
    expect(() => parseHostSyncJob({})).toThrow();
  });
});
