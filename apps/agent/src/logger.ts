import pino from 'pino';
import type { LoggerService } from '@nestjs/common';

/** JSON logs on stdout, tagged with the host name. */
export function createAgentLogger(level: string, hostName: string): LoggerService {
  const log = pino({
    level,
    base: { app: 'berth-agent', host: hostName },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  const write =
    (lvl: 'info' | 'error' | 'warn' | 'debug' | 'trace') => (message: unknown, context?: unknown) =>
      log[lvl]({ context: typeof context === 'string' ? context : undefined }, String(message));
  return {
    log: write('info'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('trace'),
  };
}
