import { readFile, truncate, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PLACEHOLDER_DISK_BYTES, templateMachine, TEMPLATE_POINT_LINE } from './clone-args';
import { describeProcessEnd } from './exit-codes';
import { CONSOLE_LOG, QMP_SOCKET, qemuArgs } from './qemu-args';
import { QemuProcess } from './qemu-process';
import { saveTemplateState } from './qmp-template';
import { TEMPLATE_STATE, type Template, type TemplateLayout, type TemplateStore } from './template-store';

export interface TemplateBuild {
  readonly store: TemplateStore;
  readonly key: string;
  readonly layout: TemplateLayout;
  readonly qemuBinary: string;
  /** From QEMU's start to the template point; a cold boot's time and more (TCG slows down under load). */
  readonly timeoutMs: number;
  /** Aborted: stop the build now (the agent is closing). */
  readonly signal?: AbortSignal;
}

/** How long the guest gets, after saying it reached the template point, to block in its first READY. */
const SETTLE_MS = 200;

/**
 * Builds the template of `key`: boots a machine of the layout with berth-init in template mode, waits
 * for the template point, saves its device state (its RAM is already in the template's memory file),
 * ends it, and makes it the store's ready template. On any failure the half build is removed and its
 * QEMU killed.
 */
export async function buildTemplate(b: TemplateBuild): Promise<Template> {
  const dir = await b.store.startBuild(b.key);
  const machine = templateMachine(b.layout, b.key, dir);
  // Sparse placeholders of the capacity every clone's kernel will believe its disks have (larger than
  // any real one): the template's kernel reads only zeros from them, which a clone's berth-init drops.
  for (const d of machine.disks) {
    await writeFile(d.file, '');
    await truncate(d.file, PLACEHOLDER_DISK_BYTES);
  }
  let qemu: QemuProcess | null = null;
  try {
    qemu = QemuProcess.spawn({
      binary: b.qemuBinary,
      args: qemuArgs(machine),
      netns: null,
      logFile: path.join(dir, 'qemu.log'),
    });
    await untilTemplatePoint(path.join(dir, CONSOLE_LOG), qemu, b.timeoutMs, b.signal);
    await sleep(SETTLE_MS);
    await saveTemplateState(path.join(dir, QMP_SOCKET), path.join(dir, TEMPLATE_STATE), 30_000);
    await qemu.reap();
    return await b.store.commit(b.key, b.layout);
  } catch (err) {
    qemu?.kill();
    await qemu?.reap();
    await b.store.abandonBuild(b.key);
    throw err;
  }
}

async function untilTemplatePoint(
  consoleLog: string,
  qemu: QemuProcess,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const gone: { how: string | null } = { how: null };
  void qemu.ended.then((e) => (gone.how = describeProcessEnd(e)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(consoleLog, 'utf8').catch(() => '');
    if (text.includes(TEMPLATE_POINT_LINE)) return;
    if (gone.how !== null) throw new Error(`the template's qemu ${gone.how} before the template point`);
    if (signal?.aborted) throw new Error('the template build was abandoned');
    if (Date.now() > deadline)
      throw new Error(`the template's guest did not reach the template point within ${timeoutMs} ms`);
    await sleep(50);
  }
}
