/**
 * The baselines, run by hand with the driver's own pieces and no agent: a bare cold boot of the kernel
 * and berth-init, and a bare restore of a template of the containers' layout. What berth adds on top of
 * these is what the bench is about.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cloneMachine, templateMachine } from '../apps/agent/src/drivers/qemu/clone-args';
import { GuestSession } from '../apps/agent/src/drivers/qemu/guest-session';
import {
  AGENT_SOCKET,
  bootArgs,
  kernelCommandLine,
  QMP_SOCKET,
  qemuArgs,
} from '../apps/agent/src/drivers/qemu/qemu-args';
import { restoreTemplateState } from '../apps/agent/src/drivers/qemu/qmp-template';
import { buildTemplate } from '../apps/agent/src/drivers/qemu/template-builder';
import {
  TemplateStore,
  type Template,
  type TemplateLayout,
} from '../apps/agent/src/drivers/qemu/template-store';

const QEMU = 'qemu-system-x86_64';
const TIMEOUT_MS = 60_000;

/** QEMU started by hand: kernel + berth-init to its "probe ok" line, then power-off. Ms from spawn. */
export function bareBoot(kernel: string, initrd: string, memoryMib: number, tscKhz: number): Promise<number> {
  const t0 = performance.now();
  const args = [
    // The machine the driver boots (bootArgs), its kernel command line plus the probe flag that makes
    // berth-init stop at once, and a console to read that from.
    ...bootArgs({
      accel: 'tcg',
      memoryMib,
      vcpu: 1,
      kernel,
      initrd,
      append: kernelCommandLine('tcg', ['berth.probe'], tscKhz),
    }),
    '-serial',
    'stdio',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let at: number | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (at === null && out.includes('berth-init: probe ok')) at = performance.now() - t0;
    });
    child.once('exit', () =>
      at === null ? reject(new Error(`bare boot failed: ${out.slice(-500)}`)) : resolve(at),
    );
  });
}

/** Builds a template of `layout` under `dir` with the driver's builder; answers it and the build's ms. */
export async function bareTemplate(
  dir: string,
  layout: TemplateLayout,
): Promise<{ template: Template; buildMs: number }> {
  const store = new TemplateStore(dir);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const template = await buildTemplate({
    store,
    key: await store.keyOf(layout),
    layout,
    qemuBinary: QEMU,
    timeoutMs: TIMEOUT_MS,
  });
  return { template, buildMs: performance.now() - t0 };
}

/**
 * A clone of `template` started by hand in `dir`: QEMU spawned with the template's machine (its disks
 * on empty placeholders: nothing before READY reads them) as a clone, its state loaded over QMP, the
 * guest channel connected, until berth-init's READY (what the driver does before START). Ms from spawn
 * to the state loaded and to READY; the QEMU is killed after.
 */
export async function bareRestore(
  dir: string,
  layout: TemplateLayout,
  template: Template,
): Promise<{ restoredMs: number; readyMs: number }> {
  mkdirSync(dir, { recursive: true });
  const base = templateMachine(layout, 'bare-clone', dir);
  for (const d of base.disks) writeFileSync(d.file, '');
  const machine = cloneMachine({ ...base, extraKernelArgs: [] }, template.memoryFile);
  const t0 = performance.now();
  const child = spawn(QEMU, qemuArgs(machine), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = exited.then(() => {
    throw new Error(`bare restore: qemu exited: ${stderr.slice(-500)}`);
  });
  died.catch(() => undefined);
  try {
    await Promise.race([
      restoreTemplateState(path.join(dir, QMP_SOCKET), template.stateFile, TIMEOUT_MS),
      died,
    ]);
    const restoredMs = performance.now() - t0;
    const session = await Promise.race([
      GuestSession.connect(
        path.join(dir, AGENT_SOCKET),
        { line: () => undefined, workloadExit: () => undefined, log: () => undefined },
        { timeoutMs: TIMEOUT_MS },
      ),
      died,
    ]);
    try {
      await Promise.race([session.waitReady(TIMEOUT_MS), died]);
      return { restoredMs, readyMs: performance.now() - t0 };
    } finally {
      session.close();
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
