import { isDomainError } from './errors';
import { QUOTA_LIMITS, quotaExceeded } from './quotas';

describe('quotaExceeded', () => {
  it('lets a create through up to the quota, exactly', () => {
    expect(quotaExceeded('containers', 10, 9, 1)).toBeNull();
    expect(quotaExceeded('vcpus', 8, 4, 4)).toBeNull();
  });

  it('refuses one past the quota with a coded 403 naming the limit, the quota and the usage', () => {
    const err = quotaExceeded('containers', 10, 10, 1);
    expect(isDomainError(err)).toBe(true);
    expect(err!.code).toBe('quota/exceeded');
    expect(err!.status).toBe(403);
    expect(err!.message).toMatch(/^this would make 11 containers; your quota is 10 \(you have 10\)\. /);
    expect(err!.details).toEqual({ limit: 'containers', quota: 10, usage: 10, requested: 1 });
  });

  it('counts what the create asks for, not one', () => {
    const err = quotaExceeded('memoryMib', 1024, 512, 1024);
    expect(err!.message).toMatch(/1536 MiB of memory reserved by running containers; your quota is 1024/);
    expect(err!.details).toEqual({ limit: 'memoryMib', quota: 1024, usage: 512, requested: 1024 });
  });

  it('never refuses asking for nothing, even over a quota lowered since', () => {
    expect(quotaExceeded('volumeGb', 10, 50, 0)).toBeNull();
    expect(quotaExceeded('volumeGb', 10, 50, 1)).not.toBeNull();
  });

  it('a quota of 0 forbids the resource', () => {
    expect(quotaExceeded('floatingIps', 0, 0, 1)!.message).toMatch(/1 floating IPs; your quota is 0/);
  });

  it('says what frees room for every limit', () => {
    for (const limit of QUOTA_LIMITS) {
      expect(quotaExceeded(limit, 1, 1, 1)!.message).toMatch(
        new RegExp(`first, or ask the operator to raise the ${limit} quota$`),
      );
    }
  });

  it('knows its limits', () => {
    expect(QUOTA_LIMITS).toEqual([
      'containers',
      'vcpus',
      'memoryMib',
      'volumeGb',
      'snapshots',
      'floatingIps',
      'networks',
    ]);
  });
});
