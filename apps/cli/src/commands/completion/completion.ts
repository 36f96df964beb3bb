import { Argument, type Command } from 'commander';
import type { CliContext } from '../../context';
import { bashScript } from '../../completion/bash';
import { completionTree } from '../../completion/tree';
import { zshScript } from '../../completion/zsh';
import { withExamples } from '../shared/options';

export function registerCompletion(parent: Command, ctx: CliContext, root: Command): Command {
  const cmd = parent
    .command('completion')
    .summary('print a shell completion script (bash or zsh)')
    .description(
      'Print a completion script for bash or zsh, generated from the commands and flags of this ' +
        'berth, so that Tab completes commands, subcommands, flags and flag values.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const tree = completionTree(root);
      ctx.out.out(shell === 'bash' ? bashScript(tree, root.name()) : zshScript(tree, root.name()));
    });
  return withExamples(cmd, [
    'source <(berth completion bash)                       # in ~/.bashrc',
    'berth completion zsh > "${fpath[1]}/_berth"           # then start a new zsh',
  ]);
}
