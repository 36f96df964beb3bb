import { isOperationErrorCode, type OperationErrorCode } from '@berth/domain';
import { ApiError } from './api-client/api-error';
import { TerminalDriverError } from './drivers/driver';
import { isImageError } from './drivers/images';
import { TerminalVolumeError } from './volumes/volume-backend';

/**
 * The one shape of a failure the agent reports on an operation: a code of the public catalogue
 * (OPERATION_ERROR_CODES), a message, and whether retrying the job could change the outcome.
 */
export class AgentFault extends Error {
  override readonly name = 'AgentFault';

  constructor(
    readonly code: OperationErrorCode,
    message: string,
    /** A retry would meet it again: report it now rather than retry. */
    readonly terminal: boolean,
  ) {
    super(message);
  }

  /** What goes to the API (an operation's `error`). */
  get report(): { code: OperationErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * Any error as a fault. The one place that reads how each part says "a retry will not help": a
 * driver's or a volume backend's terminal error, an image error's own verdict, an API refusal that
 * will not change (a 4xx other than 408 and 429). Anything else is transient. `general` is the job's
 * code for a fault that names none (or one outside the catalogue, which a host never reports).
 */
export function faultOf(err: unknown, general: OperationErrorCode): AgentFault {
  if (err instanceof AgentFault) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TerminalDriverError || err instanceof TerminalVolumeError) {
    return new AgentFault(listed(err.code, general), message, true);
  }
  if (isImageError(err)) return new AgentFault(listed(err.code, general), message, err.terminal);
  if (err instanceof ApiError) return new AgentFault(general, message, err.permanent);
  return new AgentFault(general, message, false);
}

function listed(code: string, general: OperationErrorCode): OperationErrorCode {
  return isOperationErrorCode(code) ? code : general;
}
