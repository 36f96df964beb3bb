import { DataSource } from 'typeorm';

/**
 * The statements a DataSource sends while `work` runs, whitespace folded, as its logger sees them
 * (transaction control included): for specs that hold a request to a statement budget.
 */
export async function statementsSent<T>(
  ds: DataSource,
  work: () => Promise<T>,
): Promise<{ value: T; sent: string[] }> {
  const sent: string[] = [];
  const logQuery = ds.logger.logQuery.bind(ds.logger);
  ds.logger.logQuery = (query, parameters, runner) => {
    sent.push(query.replace(/\s+/g, ' ').trim());
    logQuery(query, parameters, runner);
  };
  try {
    return { value: await work(), sent };
  } finally {
    ds.logger.logQuery = logQuery;
  }
}
