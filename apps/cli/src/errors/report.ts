import { CommanderError } from 'commander';
import { ApiError, CliError, ExitCode, InterruptedError } from '../api/errors';

/**
 * How an error reads on stderr: "Error: <code>: <message>", the API's own code and message when it
 * answered one. A 5xx (a bug in berth) adds the request id for the operator's logs.
 */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const id = err.status >= 500 && err.requestId ? ` (request ${err.requestId})` : '';
    return `Error: ${err.code}: ${err.message}${id}\n`;
  }
  if (err instanceof CliError) return `Error: ${err.code}: ${err.message}\n`;
  const message = err instanceof Error ? err.message : String(err);
  return `Error: internal: ${message}\n`;
}

/** What ends the process for an error a command threw: prints it, returns the exit code. */
export function reportError(err: unknown, write: (text: string) => void): number {
  if (err instanceof ExitCode) return err.code;
  if (err instanceof InterruptedError) {
    if (err.hint) write(`\nStopped waiting. ${err.hint}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    // Commander printed its message already; --help and --version are successes.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') return err.exitCode;
    return 2;
  }
  write(describeError(err));
  return err instanceof CliError ? err.exitCode : 1;
}
