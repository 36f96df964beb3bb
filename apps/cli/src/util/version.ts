import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The version in berth's package.json, found by walking up from this file: the same code runs from
 * the repository (ts via jest), from dist/ and from a global npm install.
 */
export function cliVersion(from = __dirname): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'berth' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not ours: keep walking up
    }
  }
  return '0.0.0-unknown';
}
