import { InvalidArgumentError, type Command } from 'commander';

/** Appends an "Examples:" block to a command's --help. */
export function withExamples(cmd: Command, examples: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** For repeatable options (`-e A=1 -e B=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** An option argument that must be a whole number from `min` up. */
export function wholeNumber(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a whole number${min > 0 ? ` from ${min}` : ''}.`);
    }
    return n;
  };
}

/** The `--json` and `-q` options every listing has. */
export function listOptions(cmd: Command, what: string): Command {
  return cmd.option('--json', `print the ${what} as a JSON array`).option('-q, --quiet', 'print ids only');
}

export interface ListOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** The operator token flag every `berth admin` command takes. */
export function operatorOption(cmd: Command): Command {
  return cmd.option(
    '--operator-token <token>',
    'the operator token (default: BERTH_OPERATOR_TOKEN, else the one stored by `berth login --operator`)',
  );
}
