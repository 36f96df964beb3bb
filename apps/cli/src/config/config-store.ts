import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliError } from '../api/errors';

/** What `berth login` stores. Secrets: the file is mode 600 in a mode 700 directory. */
export interface BerthConfig {
  readonly apiUrl?: string;
  readonly apiKey?: string;
  /** For `berth admin ...`: stored by `berth login --operator`. */
  readonly operatorToken?: string;
}

function isStringOrAbsent(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

/**
 * `~/.config/berth/config.json` (or under $XDG_CONFIG_HOME). Writes are atomic (a temp file created
 * mode 600, then renamed), so a crash never leaves a half-written or briefly world-readable file.
 */
export class ConfigStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'config.json');
  }

  /** The stored config; `{}` when there is none. Throws config/invalid for a file it cannot read. */
  read(): BerthConfig {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new CliError('config/unreadable', `cannot read ${this.file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError('config/invalid', `${this.file} is not JSON: fix it or run \`berth login\` again`);
    }
    const c = parsed as Record<string, unknown>;
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !isStringOrAbsent(c.apiUrl) ||
      !isStringOrAbsent(c.apiKey) ||
      !isStringOrAbsent(c.operatorToken)
    ) {
      throw new CliError('config/invalid', `${this.file} is not a berth config: run \`berth login\` again`);
    }
    return {
      ...(typeof c.apiUrl === 'string' ? { apiUrl: c.apiUrl } : {}),
      ...(typeof c.apiKey === 'string' ? { apiKey: c.apiKey } : {}),
      ...(typeof c.operatorToken === 'string' ? { operatorToken: c.operatorToken } : {}),
    };
  }

  write(config: BerthConfig): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    // mode above is filtered by the umask; chmod makes it exactly 600 whatever the umask.
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  /** Removes the file; false when there was none. */
  remove(): boolean {
    if (!existsSync(this.file)) return false;
    rmSync(this.file, { force: true });
    return true;
  }
}
