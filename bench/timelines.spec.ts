import { bootTimelines, guestStartSteps, jobTimelines, startPhases, VMM_PHASE } from './timelines';

/** An agent log line as pino writes it. */
const line = (msg: string) =>
  JSON.stringify({ level: 30, time: '2026-12-07T11:00:00.000Z', app: 'berth-agent', host: 'h', msg });

const JOB_MSG =
  'job-timeline {"id":"ctr_a","operationId":"op_1","at":10000,"image":30,"volumes":35,"network":80,"created":100,"started":900}';
const JOB = line(JOB_MSG);
const COLD = line(
  'boot-timeline {"id":"ctr_a","pid":42,"accel":"tcg","at":10120,"spawned":5,"channel":60,"guestReady":500,"workloadStarted":770}',
);
const CLONE_MSG =
  'boot-timeline {"id":"ctr_b","pid":43,"accel":"tcg","template":"abc","at":20000,"spawned":5,"restored":120,"guestReady":150,"workloadStarted":600}';
const CLONE = line(CLONE_MSG);

describe('jobTimelines', () => {
  it('keeps the hooks in the order they ran, then created and started', () => {
    const log = ['{"msg":"ready; health on 1"}', 'a stack trace line', JOB].join('\n');
    expect(jobTimelines(log).get('ctr_a')).toEqual({
      id: 'ctr_a',
      at: 10000,
      steps: [
        ['image', 30],
        ['volumes', 35],
        ['network', 80],
        ['created', 100],
        ['started', 900],
      ],
    });
  });
  it('ignores a line that only mentions a timeline, and keeps the last timeline of a container', () => {
    const later = line(JOB_MSG.replace('"at":10000', '"at":50000'));
    const log = [line('template x: job-timeline {broken'), JOB, later].join('\n');
    const all = jobTimelines(log);
    expect(all.size).toBe(1);
    expect(all.get('ctr_a')?.at).toBe(50000);
  });
});

describe('bootTimelines', () => {
  it('reads a cold boot: the channel is when its VMM is up, and no template', () => {
    const t = bootTimelines(COLD).get('ctr_a');
    expect(t).toEqual({ id: 'ctr_a', pid: 42, at: 10120, vmmUp: 60, guestReady: 500, workloadStarted: 770 });
  });
  it('reads a clone: its template, and the restore as when its VMM is up', () => {
    expect(bootTimelines(CLONE).get('ctr_b')).toMatchObject({ template: 'abc', vmmUp: 120, guestReady: 150 });
  });
  it('refuses a clone timeline without its restore rather than count the channel instead', () => {
    expect(() => bootTimelines(line(CLONE_MSG.replace('"restored":120,', '')))).toThrow(
      'timeline without restored',
    );
  });
});

describe('startPhases', () => {
  const job = jobTimelines(JOB).get('ctr_a')!;
  const boot = bootTimelines(COLD).get('ctr_a')!;
  const client = { posted: 9980, accepted: 9995, running: 10950 };

  it('cuts 202 -> running into consecutive phases, hooks by name', () => {
    const { phases } = startPhases(client, job, boot);
    expect(phases).toEqual([
      ['api', 15],
      ['queue', 5],
      ['hook image', 30],
      ['hook volumes', 5],
      ['hook network', 45],
      ['create', 20],
      [VMM_PHASE, 80], // created at 10100, channel at 10120 + 60
      ['guest', 440],
      ['workload', 280], // READY at 10620, started at 10900 (the driver's own work after START included)
      ['report', 50],
    ]);
  });
  it('has the phases after the 202 add up to 202 -> running', () => {
    const { phases, total } = startPhases(client, job, boot);
    expect(total).toBe(955);
    expect(phases.slice(1).reduce((s, [, ms]) => s + ms, 0)).toBe(total);
  });
});

describe('guestStartSteps', () => {
  it("reads berth-init's own step timings per container, in order, and skips what is not one", () => {
    const log = [
      line('ctr_a: guest: start-timeline {"seed":4,"disks":3,"net":9,"root":120,"spawn":8}'),
      line('ctr_b: guest: RNG reseeded with 64 host bytes'),
      'ctr_c: guest: start-timeline {"seed":1}', // not a log object
      line('ctr_d: guest: start-timeline {"seed":'), // truncated
    ].join('\n');
    const steps = guestStartSteps(log);
    expect([...steps.keys()]).toEqual(['ctr_a']);
    expect([...steps.get('ctr_a')!]).toEqual([
      ['seed', 4],
      ['disks', 3],
      ['net', 9],
      ['root', 120],
      ['spawn', 8],
    ]);
  });
});
