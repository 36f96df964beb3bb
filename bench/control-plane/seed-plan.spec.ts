import { seedPlan } from './seed-plan';

const plan = (count: number, firstIndex = 0) =>
  seedPlan({ count, perTenant: 100, hostIds: ['hst_a', 'hst_b'], firstIndex, networkPrefix: '10.240.0' });

describe('seedPlan', () => {
  it('puts perTenant containers in each tenant, each tenant with its own network', () => {
    const p = plan(250);
    expect(p.tenantIds).toHaveLength(3);
    expect(p.networkIds).toHaveLength(3);
    expect(p.tenantOf.filter((t) => t === 0)).toHaveLength(100);
    expect(p.tenantOf.filter((t) => t === 2)).toHaveLength(50);
    expect(new Set(p.containerIds).size).toBe(250);
    expect(p.containerIds.every((id) => id.startsWith('ctr_'))).toBe(true);
  });

  it('mixes states as a fleet has them: mostly running, some stopped, exited and deleted', () => {
    const p = plan(1000);
    const count = (s: string) => p.states.filter((x) => x === s).length;
    expect(count('running')).toBe(700);
    expect(count('stopped')).toBe(150);
    expect(count('exited')).toBe(100);
    expect(count('deleted')).toBe(50);
  });

  it('gives live containers a host, an address in their network and a MAC; deleted ones none', () => {
    const p = plan(200);
    p.states.forEach((s, i) => {
      if (s === 'deleted') {
        expect([p.hostIds[i], p.ips[i], p.macs[i]]).toEqual([null, null, null]);
      } else {
        expect(['hst_a', 'hst_b']).toContain(p.hostIds[i]);
        expect(p.ips[i]).toMatch(/^10\.240\.0\.(\d+)$/);
        expect(Number(p.ips[i]!.split('.')[3])).toBeLessThan(255);
      }
    });
    const live = p.states.map((s, i) => ({ s, i })).filter(({ s }) => s !== 'deleted');
    const perTenantIps = new Set(live.map(({ i }) => `${p.tenantOf[i]} ${p.ips[i]}`));
    expect(perTenantIps.size).toBe(live.length);
  });

  it('keeps names and MACs unique across seeds of one database (firstIndex)', () => {
    const a = plan(300, 0);
    const b = plan(300, 300);
    const macs = [...a.macs, ...b.macs].filter((m) => m !== null);
    expect(new Set(macs).size).toBe(macs.length);
    expect(macs.every((m) => /^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/.test(m))).toBe(true);
    expect(new Set([...a.tenantNames, ...b.tenantNames]).size).toBe(6);
  });

  it('refuses what it cannot seed validly', () => {
    expect(() =>
      seedPlan({ count: 1, perTenant: 201, hostIds: ['h'], firstIndex: 0, networkPrefix: '10.0.0' }),
    ).toThrow();
    expect(() =>
      seedPlan({ count: 1, perTenant: 10, hostIds: [], firstIndex: 0, networkPrefix: '10.0.0' }),
    ).toThrow();
  });

  it('skips MACs the database already has', () => {
    const first = plan(3).macs.filter((m) => m !== null);
    const p = seedPlan({
      count: 3,
      perTenant: 100,
      hostIds: ['h'],
      firstIndex: 0,
      networkPrefix: '10.0.0',
      takenMacs: new Set([first[0]!, first[1]!]),
    });
    expect(p.macs).not.toContain(first[0]);
    expect(p.macs).not.toContain(first[1]);
    expect(new Set(p.macs).size).toBe(3);
  });
});
