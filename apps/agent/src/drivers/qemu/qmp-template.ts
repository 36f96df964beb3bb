import { setTimeout as sleep } from 'node:timers/promises';
import { QmpClient } from './qmp-client';

/**
 * RAM is in a file the clone maps itself: migrate only device state (a few tens of KB). Both sides
 * must set it, or the load fails.
 */
const IGNORE_SHARED = { capabilities: [{ capability: 'x-ignore-shared', state: true }] };

/** A path as one single-quoted shell word (QEMU runs `exec:` migration URIs with /bin/sh -c). */
export function shellWord(p: string): string {
  return `'${p.replace(/'/g, `'\\''`)}'`;
}

/** Where a migration is, from a `query-migrate` answer: still going, done, or failed with QEMU's reason. */
export function migrationOutcome(answer: unknown): 'going' | 'completed' | { readonly failed: string } {
  const a = (answer ?? {}) as { status?: string; 'error-desc'?: string };
  if (a.status === 'completed') return 'completed';
  if (a.status === 'failed' || a.status === 'cancelled')
    return { failed: a['error-desc'] ?? `migration ${a.status}` };
  return 'going';
}

async function untilMigrated(qmp: QmpClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = migrationOutcome(await qmp.execute('query-migrate'));
    if (outcome === 'completed') return;
    if (outcome !== 'going') throw new Error(`migration failed: ${outcome.failed}`);
    if (Date.now() > deadline) throw new Error(`migration did not complete within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Pauses the machine and saves its device state into `stateFile`, then ends QEMU (a template build). */
export async function saveTemplateState(
  qmpSocket: string,
  stateFile: string,
  timeoutMs: number,
): Promise<void> {
  const qmp = await QmpClient.connect(qmpSocket, 5000);
  try {
    await qmp.execute('stop');
    await qmp.execute('migrate-set-capabilities', IGNORE_SHARED);
    await qmp.execute('migrate', { uri: `exec:cat > ${shellWord(stateFile)}` });
    await untilMigrated(qmp, timeoutMs);
    await qmp.execute('quit').catch(() => undefined); // QEMU may close the socket before it answers
  } finally {
    qmp.close();
  }
}

/** Loads a template's device state into a clone waiting with `-incoming defer`, and lets it run. */
export async function restoreTemplateState(
  qmpSocket: string,
  stateFile: string,
  timeoutMs: number,
): Promise<void> {
  const qmp = await QmpClient.connect(qmpSocket, timeoutMs);
  try {
    await qmp.execute('migrate-set-capabilities', IGNORE_SHARED);
    await qmp.execute('migrate-incoming', { uri: `exec:cat ${shellWord(stateFile)}` });
    await untilMigrated(qmp, timeoutMs);
    await qmp.execute('cont');
  } finally {
    qmp.close();
  }
}
