import { AdvancedConsoleLogger, type Logger as TypeOrmLogger, type QueryRunner } from 'typeorm';

/** The label of a statement in `berth_db_statements_total`: its leading keyword, in a few buckets. */
export type StatementKind =
  'select' | 'insert' | 'update' | 'delete' | 'begin' | 'commit' | 'rollback' | 'other';

const KINDS: Readonly<Record<string, StatementKind>> = {
  SELECT: 'select',
  INSERT: 'insert',
  UPDATE: 'update',
  DELETE: 'delete',
  START: 'begin',
  BEGIN: 'begin',
  COMMIT: 'commit',
  ROLLBACK: 'rollback',
};

const LEADING_WORD = /^\s*([A-Za-z]+)/;

/** Which bucket a statement falls in, from its leading keyword only (cheap: called for every statement). */
export function statementKind(sql: string): StatementKind {
  const word = LEADING_WORD.exec(sql)?.[1];
  return (word && KINDS[word.toUpperCase()]) || 'other';
}

/**
 * TypeORM's logger, wrapped to count every statement the process sends to Postgres (TypeORM calls
 * `logQuery` for each one, transaction control included, whatever `logging` says). What it logs is left
 * to the wrapped logger: this adds one regex and one counter increment per statement, nothing else.
 */
export class StatementCountingLogger implements TypeOrmLogger {
  constructor(
    private readonly count: (kind: StatementKind) => void,
    // TypeORM's own default when no logger is configured (with `logging` unset: errors are not printed
    // here either; the API's filter logs them).
    private readonly inner: TypeOrmLogger = new AdvancedConsoleLogger(undefined),
  ) {}

  logQuery(query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.count(statementKind(query));
    this.inner.logQuery(query, parameters, queryRunner);
  }

  logQueryError(
    error: string | Error,
    query: string,
    parameters?: unknown[],
    queryRunner?: QueryRunner,
  ): void {
    this.inner.logQueryError(error, query, parameters, queryRunner);
  }

  logQuerySlow(time: number, query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.inner.logQuerySlow(time, query, parameters, queryRunner);
  }

  logSchemaBuild(message: string, queryRunner?: QueryRunner): void {
    this.inner.logSchemaBuild(message, queryRunner);
  }

  logMigration(message: string, queryRunner?: QueryRunner): void {
    this.inner.logMigration(message, queryRunner);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown, queryRunner?: QueryRunner): void {
    this.inner.log(level, message, queryRunner);
  }
}
