/**
 * SIMULATION. The hollow fleet as its own process (one process, N simulated hosts), driven by the bench
 * over Node's IPC channel (see fleet-process.ts): its own event loop, so that the bench's clients time
 * the API without the fleet's work in their way.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HollowFleet } from './hollow-fleet';
import type { FromFleet, ToFleet } from './fleet-messages';

const send = (m: FromFleet): void => {
  process.send?.(m);
};
const rssMib = (): number => process.memoryUsage().rss / 2 ** 20;

let fleet: HollowFleet | null = null;
let pending: [string, number][] = [];
const flush = setInterval(() => {
  if (pending.length === 0) return;
  send({ type: 'running', batch: pending });
  pending = [];
}, 20);

async function onMessage(m: ToFleet): Promise<void> {
  switch (m.type) {
    case 'start':
      try {
        fleet = await HollowFleet.start({
          ...m.options,
          stateRoot: mkdtempSync(path.join(tmpdir(), 'berth-hollow-fleet-')),
          onRunning: (id, at) => pending.push([id, at]),
        });
        send({
          type: 'ready',
          hosts: fleet.hosts,
          startMs: fleet.startMs,
          sockets: HollowFleet.sockets(),
          rssMib: rssMib(),
        });
      } catch (err) {
        send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
      return;
    case 'stop': {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        sockets: HollowFleet.sockets(),
        rssMib: rssMib(),
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
      await fleet?.stop(true);
      clearInterval(flush);
      send({ type: 'stopped' });
      process.disconnect?.();
      return;
    }
  }
}

if (!process.send) {
  console.error('fleet-main runs under the bench (bench/fleet/fleet-process.ts), which talks to it over IPC');
  process.exit(2);
}
process.on('message', (m: ToFleet) => void onMessage(m));
// The bench went away: stop the simulated hosts with it.
process.on('disconnect', () => {
  void (fleet?.stop(true) ?? Promise.resolve()).finally(() => process.exit(0));
});
