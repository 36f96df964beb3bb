import { newId, type HostId } from '@berth/domain';
import { NudgeBatcher } from './nudge-batcher';

const WINDOW = 50;

/** A sender whose batches the test completes by hand; the clock is jest's fake one. */
function harness(fail = false) {
  const batches: HostId[][] = [];
  const finish: (() => void)[] = [];
  const send = (hostIds: readonly HostId[]) => {
    batches.push([...hostIds]);
    return new Promise<void>((resolve, reject) =>
      finish.push(() => (fail ? reject(new Error('redis is away')) : resolve())),
    );
  };
  const batcher = new NudgeBatcher(send, WINDOW, () => Date.now());
  return { batcher, batches, finish };
}

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await jest.advanceTimersByTimeAsync(0);
  return done;
}

describe('NudgeBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const [a, b, c] = [newId('hst'), newId('hst'), newId('hst')];

  it('sends the nudges of one turn as one batch, each host once, and resolves them when it was sent', async () => {
    const { batcher, batches, finish } = harness();
    const first = batcher.nudge([a, b, null]);
    const second = batcher.nudge([b, a]);
    void batcher.nudge([c]);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[a, b, c]]);
    expect(await settled(first)).toBe(false);
    finish[0]!();
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
  });

  it('is idle only once the batch in flight and the one gathering behind it have both been sent', async () => {
    const { batcher, batches, finish } = harness();
    expect(await settled(batcher.idle())).toBe(true);
    void batcher.nudge([a]);
    await jest.advanceTimersByTimeAsync(0);
    void batcher.nudge([b]); // gathers behind the batch in flight
    const idle = batcher.idle();
    finish[0]!();
    expect(await settled(idle)).toBe(false);
    await jest.advanceTimersByTimeAsync(WINDOW);
    expect(batches).toEqual([[a], [b]]);
    expect(await settled(idle)).toBe(false);
    finish[1]!();
    expect(await settled(idle)).toBe(true);
  });

  it('gathers what arrives during a batch and within its window into one next batch', async () => {
    const { batcher, batches, finish } = harness();
    void batcher.nudge([a]);
    await jest.advanceTimersByTimeAsync(0);
    // In flight: later nudges wait for it, whatever the number of commits that made them.
    for (let i = 0; i < 10; i++) void batcher.nudge([a, b]);
    await jest.advanceTimersByTimeAsync(WINDOW * 2);
    expect(batches).toEqual([[a]]);
    finish[0]!();
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[a], [a, b]]);
    finish[1]!();
    // A batch ended within the window of the one before: the next waits for the window to end.
    void batcher.nudge([c]);
    await jest.advanceTimersByTimeAsync(WINDOW - 1);
    expect(batches).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[a], [a, b], [c]]);
  });

  it('sends at once after a quiet window', async () => {
    const { batcher, batches, finish } = harness();
    void batcher.nudge([a]);
    await jest.advanceTimersByTimeAsync(0);
    finish[0]!();
    await jest.advanceTimersByTimeAsync(WINDOW);
    void batcher.nudge([b]);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[a], [b]]);
  });

  it('never rejects: a failed batch resolves its nudges, and the next batch still goes', async () => {
    const { batcher, batches, finish } = harness(true);
    const failed = batcher.nudge([a]);
    await jest.advanceTimersByTimeAsync(0);
    finish[0]!();
    await expect(failed).resolves.toBeUndefined();
    void batcher.nudge([b]);
    await jest.advanceTimersByTimeAsync(WINDOW);
    expect(batches).toEqual([[a], [b]]);
  });

  it('resolves at once when there is no host to nudge', async () => {
    const { batcher, batches } = harness();
    expect(await settled(batcher.nudge([null]))).toBe(true);
    await jest.advanceTimersByTimeAsync(WINDOW);
    expect(batches).toEqual([]);
  });

  it('close sends what waits for its window without waiting, and later nudges go at once', async () => {
    const { batcher, batches, finish } = harness();
    void batcher.nudge([a]);
    await jest.advanceTimersByTimeAsync(0);
    finish[0]!();
    await jest.advanceTimersByTimeAsync(0);
    const waiting = batcher.nudge([b]);
    const closed = batcher.close();
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[a], [b]]);
    finish[1]!();
    await closed;
    expect(await settled(waiting)).toBe(true);
    void batcher.nudge([c]);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[a], [b], [c]]);
  });
});
