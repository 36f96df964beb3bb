/**
 * The CLI's errors. Every one carries a code in the API's `noun/reason` form, so that what a person
 * reads ("Error: container/not_found: ...") is the same whether berth or the CLI refused.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The process exit code when this error ends the command. */
    public exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A coded error answered by the API (`{ error: { code, message, requestId } }`). */
export class ApiError extends CliError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    readonly requestId: string | undefined,
  ) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** Bad flags or arguments: exit code 2, as usage errors conventionally are. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('cli/usage', message, 2);
    this.name = 'UsageError';
  }
}

/**
 * Ctrl-C while the CLI waited. The work on berth goes on; `hint` tells the person how to follow it.
 * Exit code 130, as a shell reports a process ended by SIGINT.
 */
export class InterruptedError extends CliError {
  constructor(readonly hint: string | undefined = undefined) {
    super('cli/interrupted', 'interrupted', 130);
    this.name = 'InterruptedError';
  }
}

/** Ends the command with an exit code and no message (a container's own exit code, say). */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ExitCode';
  }
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof InterruptedError ||
    (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))
  );
}

/**
 * Runs `fn`; if Ctrl-C interrupts it, rethrows as an InterruptedError carrying `hint`, so the
 * person learns that the operation is still running and how to follow it.
 */
export async function withInterruptHint<T>(hint: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isAbortError(err)) throw new InterruptedError(hint);
    throw err;
  }
}
