import { newId } from '@berth/domain';
import { agentQueueName, containerJobId, HOST_SYNC_JOB, hostSyncJobId } from './names';
import { parseContainerJob, parseHostSyncJob } from './payloads';

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
  it('has one deterministic job id per host, without colons', () => {
    const host = newId('hst');
    expect(HOST_SYNC_JOB).toBe('host.sync');
    expect(hostSyncJobId(host)).toBe(`host.sync.${host}`);
    expect(hostSyncJobId(host)).not.toContain(':');
    expect(hostSyncJobId(host)).not.toBe(hostSyncJobId(newId('hst')));
  });

  it('carries a host id only', () => {
    const job = { hostId: newId('hst') };
    expect(parseHostSyncJob(job)).toEqual(job);
    expect(() => parseHostSyncJob({ hostId: newId('ctr') })).toThrow();
    expect(() => parseHostSyncJob({})).toThrow();
  });
});
