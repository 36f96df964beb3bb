import { formatControlPlaneReport, type ControlPlaneResults, type LaunchResult } from './report';

const lat = { p50: 10, p99: 20, n: 100, errors: 0 };
const launch = (hosts: number, launchesPerS: number): LaunchResult => ({
  hosts,
  launches: 100,
  fleetStartMs: 1000,
  registerP50Ms: 50,
  registerRetries: 0,
  idleBeats: {
    heartbeatsPerS: 333,
    heartbeatMeanMs: 2.5,
    apiCpuCores: 0.2,
    fleetCpuCores: 0.5,
    postgresCpuCores: 0.1,
    redisCpuCores: 0.05,
    clientCpuCores: 0.01,
  },
  launchBeats: {
    heartbeatsPerS: 330,
    heartbeatMeanMs: 4,
    apiCpuCores: 0.9,
    fleetCpuCores: 0.7,
    postgresCpuCores: 0.5,
    redisCpuCores: 0.1,
    clientCpuCores: 0.1,
  },
  fleetSockets: 2 * hosts + 20,
  fleetRssMib: 100,
  redisClients: 2 * hosts + 5,
  createsPerS: 40,
  launchesPerS,
  accepted: lat,
  toRunning: { ...lat, p50: 300, p99: 900 },
  perLaunch: {
    statements: 55,
    statementsByKind: new Map([['select', 40]]),
    requests: 4,
    requestsByRoute: new Map([['POST /v1/containers', 1]]),
    redisCommands: 60,
    redisByCommand: new Map([['evalsha', 50]]),
  },
  idlePerS: { statements: 10, requests: 1, redisCommands: 100 },
  windowMs: 4000,
});

const results = (over: Partial<ControlPlaneResults> = {}): ControlPlaneResults => ({
  cores: 2,
  concurrency: 8,
  baselines: {
    bullmqJobsPerS: 2900,
    bullmqJobs: 3000,
    rawTxPerS: 2000,
    rawTx: 3000,
    rawHttpPerS: 1500,
    rawHttp: 3000,
  },
  launches: [launch(1, 25), launch(1000, 600)],
  sizes: [
    { size: 1000, seedMs: 100, create: lat, createsPerS: 50, list: lat, get: lat },
    { size: 100_000, seedMs: 9000, create: { ...lat, p99: 800 }, createsPerS: 10, list: lat, get: lat },
  ],
  largeSize: 100_000,
  smallSize: 1000,
  ...over,
});

describe('formatControlPlaneReport', () => {
  it('says the hosts are a simulation', () => {
    expect(formatControlPlaneReport(results())).toContain('SIMULATION');
  });

  it('prints the launch figures with their ratios to the same-run baselines', () => {
    const text = formatControlPlaneReport(results());
    expect(text).toMatch(/launches\/s\s+25\.0\s+600\.0/);
    expect(text).toMatch(/ratio to raw tx\/s\s+0\.013x\s+0\.300x/);
    expect(text).toMatch(/per launch: Postgres statements\s+55\.0\s+55\.0/);
    expect(text).toMatch(/Redis commands\s+60\.0/);
    expect(text).toMatch(/Redis commands by name: evalsha 50/);
    expect(text).toMatch(/raw HTTP exchanges\s+1500 req\/s/);
    expect(text).toMatch(/ratio to raw HTTP req\/s \/ 3\s+0\.050x\s+1\.200x/);
    // The idle fleet's share of the window: 10 statements/s x 4 s / 100 launches.
    expect(text).toMatch(/idle fleet per launch window: statements\s+0\.4/);
    expect(text).toMatch(/202 -> running\s+300\.0 \/ 900\.0/);
    // (0.9 + 0.7 + 0.5 + 0.1 + 0.1) cores x 4 s / 100 launches.
    expect(text).toMatch(/CPU ms per launch, all processes\s+92\.0/);
    expect(text).toMatch(/launching: Postgres, Redis, client CPU\s+0\.50, 0\.10, 0\.10/);
  });

  it('prints every target as met or MISSED', () => {
    const lines = formatControlPlaneReport(results()).split('\n');
    const verdict = (label: string) =>
      lines
        .find((l) => l.includes(label))
        ?.trim()
        .split(/\s+/)
        .at(-1);
    expect(verdict('launches/s with 1 host(s)')).toBe('MISSED');
    expect(verdict('launches/s with 1000 host(s)')).toBe('met');
    expect(verdict('create p99')).toBe('MISSED');
    expect(verdict('list p99')).toBe('met');
    expect(verdict('creates/s at 100,000')).toBe('MISSED');
  });

  it('prints the targets of phases not run as not measured, never met', () => {
    const text = formatControlPlaneReport(results({ launches: [], sizes: [] }));
    expect(text).not.toMatch(/\bmet\b/);
    expect(text.match(/not measured\s+MISSED/g)).toHaveLength(3);
  });
});
