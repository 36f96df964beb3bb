import { ReportGate } from './report-gate';

describe('ReportGate', () => {
  it('opens at once when nothing is held', async () => {
    await expect(new ReportGate().open()).resolves.toBeUndefined();
  });

  it('holds reports until the held work settles, even when it fails', async () => {
    const gate = new ReportGate();
    const order: string[] = [];
    let finish!: () => void;
    const work = gate.holdWhile(
      () =>
        new Promise<void>((_, reject) => {
          finish = () => {
            order.push('stopped');
            reject(new Error('api down'));
          };
        }),
    );
    const report = gate.open().then(() => order.push('reported'));
    await Promise.resolve();
    expect(order).toEqual([]);
    finish();
    await expect(work).rejects.toThrow('api down');
    await report;
    expect(order).toEqual(['stopped', 'reported']);
  });

  it('a report waiting when more work is held waits for that too', async () => {
    const gate = new ReportGate();
    const order: string[] = [];
    let first!: () => void;
    let second!: () => void;
    void gate.holdWhile(() => new Promise<void>((r) => (first = r)));
    const report = gate.open().then(() => order.push('reported'));
    void gate.holdWhile(() => new Promise<void>((r) => (second = r)));
    first();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    second();
    await report;
    expect(order).toEqual(['reported']);
  });
});
