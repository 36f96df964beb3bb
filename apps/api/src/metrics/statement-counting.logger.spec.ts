import type { Logger as TypeOrmLogger } from 'typeorm';
import { StatementCountingLogger, statementKind, type StatementKind } from './statement-counting.logger';

describe('statementKind', () => {
  it.each([
    ['SELECT "c"."id" FROM "containers" "c"', 'select'],
    ['  \n insert INTO "operations" VALUES ($1)', 'insert'],
    ['UPDATE "hosts" SET "last_heartbeat_at" = $1', 'update'],
    ['DELETE FROM "idempotency_keys"', 'delete'],
    ['START TRANSACTION', 'begin'],
    ['BEGIN', 'begin'],
    ['COMMIT', 'commit'],
    ['ROLLBACK', 'rollback'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'other'],
    ['SAVEPOINT typeorm_1', 'other'],
    ['', 'other'],
    ['(SELECT 1)', 'other'],
  ] as const)('%j is %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });
});

describe('StatementCountingLogger', () => {
  function inner(): jest.Mocked<TypeOrmLogger> {
    return {
      logQuery: jest.fn(),
      logQueryError: jest.fn(),
      logQuerySlow: jest.fn(),
      logSchemaBuild: jest.fn(),
      logMigration: jest.fn(),
      log: jest.fn(),
    };
  }

  it('counts every statement by kind and still hands it to the wrapped logger', () => {
    const counted: StatementKind[] = [];
    const wrapped = inner();
    const logger = new StatementCountingLogger((k) => counted.push(k), wrapped);
    logger.logQuery('START TRANSACTION');
    logger.logQuery('SELECT 1', []);
    logger.logQuery('SELECT 2');
    logger.logQuery('COMMIT');
    expect(counted).toEqual(['begin', 'select', 'select', 'commit']);
    expect(wrapped.logQuery).toHaveBeenCalledTimes(4);
    expect(wrapped.logQuery).toHaveBeenCalledWith('SELECT 1', [], undefined);
  });

  it('counts nothing for what is not a statement sent (errors, slow queries, migrations, messages)', () => {
    const counted: StatementKind[] = [];
    const wrapped = inner();
    const logger = new StatementCountingLogger((k) => counted.push(k), wrapped);
    logger.logQueryError(new Error('boom'), 'SELECT 1');
    logger.logQuerySlow(900, 'SELECT 1');
    logger.logMigration('ran');
    logger.logSchemaBuild('built');
    logger.log('warn', 'careful');
    expect(counted).toEqual([]);
    expect(wrapped.logQueryError).toHaveBeenCalledTimes(1);
    expect(wrapped.logQuerySlow).toHaveBeenCalledWith(900, 'SELECT 1', undefined, undefined);
    expect(wrapped.log).toHaveBeenCalledWith('warn', 'careful', undefined);
  });
});
