import type { Command } from 'commander';

export interface CompletionOption {
  /** `-d` and `--detach`, as typed. */
  readonly names: readonly string[];
  readonly description: string;
  /** The option takes a value (`--name <name>`): the word after it is not a command or flag. */
  readonly takesValue: boolean;
  /** Values to offer for it (`--size s1 ... l3`). */
  readonly choices: readonly string[] | undefined;
  /** Its value is a file path. */
  readonly file: boolean;
}

export interface CompletionNode {
  /** `berth admin tenants`: the words that lead here, aliases resolved. */
  readonly path: string;
  readonly subcommands: readonly { name: string; aliases: readonly string[]; description: string }[];
  readonly options: readonly CompletionOption[];
  /** Values of a positional argument with choices (`berth completion bash|zsh`). */
  readonly argChoices: readonly string[];
}

const HELP: CompletionOption = {
  names: ['-h', '--help'],
  description: 'show help',
  takesValue: false,
  choices: undefined,
  file: false,
};

/** Walks commander's command tree: every command with its subcommands, flags and choices. */
export function completionTree(root: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (cmd: Command, path: string) => {
    const subs = cmd.commands.map((c) => ({
      name: c.name(),
      aliases: c.aliases(),
      description: c.summary() || c.description().split('\n')[0] || '',
    }));
    if (subs.length > 0 && cmd === root)
      subs.push({ name: 'help', aliases: [], description: 'show help for a command' });
    const options = cmd.options
      .filter((o) => !o.hidden)
      .map((o) => ({
        names: [o.short, o.long].filter((n): n is string => n !== undefined),
        description: o.description,
        takesValue: o.required || o.optional,
        choices: o.argChoices,
        file: /file/i.test(o.flags),
      }));
    nodes.push({
      path,
      subcommands: subs,
      options: [...options, HELP],
      argChoices: cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
    });
    for (const c of cmd.commands) visit(c, `${path} ${c.name()}`);
  };
  visit(root, root.name());
  return nodes;
}
