import { CliContext, type CliDeps } from './context';
import { reportError } from './errors/report';
import { buildProgram } from './program';

/**
 * Runs one invocation (`argv` without node and the script) and resolves with its exit code; never
 * exits the process, so that unit specs drive it with recording dependencies.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const ctx = new CliContext(deps);
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, (s) => deps.out.err(s));
  }
}
