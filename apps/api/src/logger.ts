import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * What the API's logs never show, whoever logs it. Today nothing logs these (Fastify's request log has no
 * headers, no body is logged); the list makes sure a later debug line or serializer cannot start to:
 * bearer tokens (API keys, host and operator tokens) in headers, fields named after secrets, and the bound
 * parameters of a failed SQL query (TypeORM's QueryFailedError carries them, and the error filter logs
 * every 5xx with its error).
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'err.parameters',
  'err.driverError.parameters',
  'password',
  'secret',
  'token',
  '*.password',
  '*.secret',
  '*.token',
];

/** JSON logs on stdout. Fastify logs each request with its `requestId`; Nest's logs go through the same pino. */
export function createRootLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'berth-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stack?: string, context?: string): void {
    this.write('error', message, context, stack);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace',
    message: unknown,
    context?: string,
    stack?: string,
  ): void {
    if (typeof message === 'object' && message !== null) {
      this.pino[level]({ context, ...message, ...(stack ? { stack } : {}) });
    } else {
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
