import { homedir } from 'node:os';
import * as path from 'node:path';

/**
 * Everything the CLI reads from its environment, read once at start-up. This is the only CLI
 * module that touches `process.env` (DESIGN.md "Config"); commands get a CliEnv, so unit specs
 * pass their own values instead of mutating the process.
 */
export interface CliEnv {
  /** BERTH_API_URL: overrides the URL stored by `berth login`. */
  readonly apiUrl: string | undefined;
  /** BERTH_API_KEY: overrides the key stored by `berth login`. */
  readonly apiKey: string | undefined;
  /** BERTH_OPERATOR_TOKEN: the operator's token for `berth admin ...`. */
  readonly operatorToken: string | undefined;
  /** Where config.json lives: $XDG_CONFIG_HOME/berth, else ~/.config/berth. */
  readonly configDir: string;
  /** CI=true or NO_COLOR/TERM=dumb: no spinners even on a TTY (logs stay clean). */
  readonly plain: boolean;
  /**
   * The value of a variable of the caller's own environment, for `-e NAME` (Docker passes the
   * caller's value through when a flag names a variable without `=`).
   */
  lookup(name: string): string | undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Reads a CliEnv from `vars` (the process environment unless a spec passes its own). */
export function readCliEnv(
  // eslint-disable-next-line no-restricted-properties -- the CLI's one place that reads its environment (see above)
  vars: Readonly<Record<string, string | undefined>> = process.env,
): CliEnv {
  const home = nonEmpty(vars.HOME) ?? homedir();
  const xdg = nonEmpty(vars.XDG_CONFIG_HOME);
  return {
    apiUrl: nonEmpty(vars.BERTH_API_URL),
    apiKey: nonEmpty(vars.BERTH_API_KEY),
    operatorToken: nonEmpty(vars.BERTH_OPERATOR_TOKEN),
    configDir: path.join(xdg ?? path.join(home, '.config'), 'berth'),
    plain:
      (vars.CI !== undefined && vars.CI !== '' && vars.CI !== 'false') ||
      vars.NO_COLOR !== undefined ||
      vars.TERM === 'dumb',
    lookup: (name) => vars[name],
  };
}
