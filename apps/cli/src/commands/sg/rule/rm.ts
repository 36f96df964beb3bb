import type { Command } from 'commander';
import type { SecurityGroupView } from '@berth/contracts';
import { seg } from '../../../api/api';
import { isAbortError } from '../../../api/errors';
import type { CliContext } from '../../../context';
import { printJson, printLines } from '../../../output/output';
import { failIfAny } from '../../shared/for-each';
import { withExamples } from '../../shared/options';

export function registerSgRuleRm(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rm')
    .alias('remove')
    .summary('remove rules from a security group')
    .description(
      'Remove rules from a security group, by rule id (`berth sg rule ls GROUP` shows them). ' +
        'Prints each id removed.',
    )
    .argument('<sg>', 'security group id or name')
    .argument('<rule-id...>', 'rule ids')
    .option('--json', 'print the security group as it ends up, as JSON')
    .action(async (ref: string, ruleIds: string[], opts: { json?: boolean }) => {
      const api = ctx.tenant();
      const removed: string[] = [];
      const failures: unknown[] = [];
      let group: SecurityGroupView | undefined;
      // One after the other: each answers the group as it is after that removal.
      for (const id of ruleIds) {
        try {
          group = await api.delete<SecurityGroupView>(`/v1/security-groups/${seg(ref)}/rules/${seg(id)}`);
          removed.push(id);
        } catch (err) {
          if (isAbortError(err)) throw err;
          failures.push(err);
        }
      }
      if (opts.json) {
        if (group) printJson(ctx.out, group);
      } else printLines(ctx.out, removed, (id) => id);
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, [
    'berth sg rule rm web sgr_01j9z6w2m4q8r7t5v3x1y0b2c4',
    'berth sg rule ls web --json | jq -r \'.[] | select(.direction == "egress") | .id\' | xargs berth sg rule rm web',
  ]);
}
