import { formatReport, type BenchResults, type PathResult } from './report';

const path = (total: number, vmm: number): PathResult => ({
  phases: new Map([
    ['api', 10],
    ['hook network', 100],
    ['vmm', vmm],
  ]),
  total,
  counted: 5,
  of: 5,
});

const mem = (label: string, pssMib: number) => ({
  label,
  vms: 5,
  rssMib: 80,
  pssMib,
  pssAnonMib: pssMib - 10,
  pssFileMib: 2,
  pssShmemMib: 8,
  tcgCodeMib: 20,
});

const RESULTS: BenchResults = {
  runs: 5,
  cores: 2,
  size: 's1',
  memoryMib: 64,
  cold: path(1200, 90),
  template: path(280, 120),
  pool: null,
  burstEach: path(2500, 300),
  firstPull: { total: 3000, image: 900 },
  bareBoot: 800,
  bareRestore: { restored: 90, ready: 200 },
  bareTemplateBuild: 1500,
  burst: { n: 20, cloned: 20, agentConcurrency: 4, runningMs: 3500, goneMs: 900, qemuGoneMs: 800 },
  memory: [mem('cold (5 alive)', 100), { ...mem('clone (5 alive)', 35), copiedMib: 12.25 }],
  templateFileMib: 27.5,
};

const lineWith = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';

describe('formatReport', () => {
  it('prints the pool column as not built while the driver has no pool', () => {
    const text = formatReport(RESULTS);
    expect(lineWith(text, '202 -> running')).toMatch(/1200\s+280\s+not built\s+2500$/);
    expect(lineWith(text, 'vmm start | restore')).toMatch(/90\s+120\s+not built\s+300$/);
  });

  it('prints a phase only one path has as "-" for the other', () => {
    const text = formatReport({
      ...RESULTS,
      cold: { ...RESULTS.cold, phases: new Map([...RESULTS.cold.phases, ['hook image', 40]]) },
    });
    expect(lineWith(text, 'hook image')).toMatch(/40\s+-\s+not built\s+-$/);
  });

  it('gives each path its ratio to its own baseline: cold to the bare boot, template to the bare restore', () => {
    expect(lineWith(formatReport(RESULTS), '  ratio to its baseline')).toMatch(/1\.50x\s+1\.40x/);
  });

  it('puts each of the issue’s targets beside its figure, with a verdict', () => {
    const text = formatReport(RESULTS);
    expect(lineWith(text, 'template start 202 -> running <= 300 ms')).toMatch(/280 ms\s+ok$/);
    expect(lineWith(text, 'template start <= 1.3x bare restore')).toMatch(/1\.40x\s+MISSED$/);
    expect(lineWith(text, 'idle clone PSS <= 40 MiB')).toMatch(/35\.0 MiB\s+ok$/);
    // (280 x 20 / 2) x 1.2 = 3360 ms: 3500 misses it.
    expect(lineWith(text, 'burst of 20 to running <= 3360 ms')).toMatch(/3500 ms\s+MISSED$/);
  });

  it("prints the guest pages a clone copied from its template, and none for a cold VM's row", () => {
    const text = formatReport(RESULTS);
    expect(lineWith(text, 'idle VM memory')).toMatch(/PSS tmpfs\s+TCG code\s+guest copied$/);
    expect(lineWith(text, 'clone (5 alive)')).toMatch(/35\.0\s+25\.0\s+2\.0\s+8\.0\s+20\.0\s+12\.3$/);
    expect(lineWith(text, 'cold (5 alive)')).toMatch(/8\.0\s+20\.0\s+-$/);
  });

  it('prints a pool when there is one, against the bare restore', () => {
    const text = formatReport({ ...RESULTS, pool: path(240, 30) });
    expect(lineWith(text, '202 -> running')).toMatch(/1200\s+280\s+240\s+2500$/);
    expect(lineWith(text, '  ratio to its baseline')).toMatch(/1\.20x\s*$/);
  });
});
