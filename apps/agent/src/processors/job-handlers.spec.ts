import { OPERATION_KINDS } from '@berth/domain';
import { AGENT_JOB_NAMES, HOST_SYNC_JOB } from '@berth/queue';
import { checkJobHandlers, handlerFor, type JobHandler, type JobHandlerTable } from './job-handlers';

const done: JobHandler = () => Promise.resolve('done');

function completeTable(): Record<string, JobHandler> {
  return Object.fromEntries(AGENT_JOB_NAMES.map((n) => [n, done]));
}

describe('the job handler table', () => {
  it('covers every operation kind and the data-plane nudge', () => {
    expect([...AGENT_JOB_NAMES].sort()).toEqual([...OPERATION_KINDS, HOST_SYNC_JOB].sort());
  });

  it('accepts a table with one handler per job name', () => {
    expect(() => checkJobHandlers(completeTable())).not.toThrow();
  });

  it('fails start-up when a job name has no handler, naming it', () => {
    const { 'snapshot.delete': _dropped, ...rest } = completeTable();
    expect(() => checkJobHandlers(rest)).toThrow(/no handler for snapshot\.delete/);
    expect(() => checkJobHandlers({ ...completeTable(), 'image.pull': 'not a function' })).toThrow(
      /no handler for image\.pull/,
    );
  });

  it('fails start-up when the table handles a job the API never enqueues', () => {
    expect(() => checkJobHandlers({ ...completeTable(), 'container.teleport': done })).toThrow(
      /handlers for jobs never enqueued: container\.teleport/,
    );
  });

  it('finds no handler for unknown or inherited names', () => {
    const table = completeTable() as JobHandlerTable;
    expect(handlerFor(table, 'container.create')).toBe(done);
    expect(handlerFor(table, 'container.teleport')).toBeNull();
    expect(handlerFor(table, 'constructor')).toBeNull();
    expect(handlerFor(table, '__proto__')).toBeNull();
  });
});
