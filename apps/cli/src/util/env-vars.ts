import { UsageError } from '../api/errors';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One `-e` value or env-file line, with Docker's meaning: `KEY=VALUE` sets KEY (the value is taken
 * verbatim, quotes included), a bare `KEY` passes the caller's own KEY through (and is left out
 * when the caller has none). Returns undefined for a name to leave out.
 */
export function parseEnvEntry(
  entry: string,
  lookup: (name: string) => string | undefined,
  where: string,
): [string, string] | undefined {
  const eq = entry.indexOf('=');
  const name = eq < 0 ? entry : entry.slice(0, eq);
  if (!NAME.test(name)) {
    throw new UsageError(`${where}: "${name}" is not a valid variable name (letters, digits and _)`);
  }
  if (eq >= 0) return [name, entry.slice(eq + 1)];
  const value = lookup(name);
  return value === undefined ? undefined : [name, value];
}

/** An env file as `docker run --env-file` reads one: KEY=VALUE lines, # comments, blank lines. */
export function parseEnvFile(
  text: string,
  file: string,
  lookup: (name: string) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const kv = parseEnvEntry(line, lookup, `${file}:${i + 1}`);
    if (kv) env[kv[0]] = kv[1];
  });
  return env;
}

/** `key=value` pairs (labels, filters); the value may itself contain `=`. */
export function parseKeyValue(entry: string, what: string): [string, string] {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new UsageError(`${what} "${entry}" must be key=value`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}
