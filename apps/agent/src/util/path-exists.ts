import { stat } from 'node:fs/promises';

/** Whether anything is at `p` (a file or a directory); false on any error. */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
