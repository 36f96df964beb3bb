import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createRootLogger, PinoNestLogger } from './logger';

/** A logger that writes into a string, and that string. */
function capture(): { log: ReturnType<typeof createRootLogger>; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { log: createRootLogger('trace', sink), text: () => text };
}

describe('the API logger', () => {
  const secret = 'bk_abcdefghij_0123456789abcdefghijklmnopqrstuv';

  it('never writes a bearer token from request headers', () => {
    const { log, text } = capture();
    log.info({ req: { method: 'POST', url: '/v1/keys', headers: { authorization: `Bearer ${secret}` } } });
    expect(text()).not.toContain(secret);
    expect(text()).toContain('[redacted]');
    expect(text()).toContain('/v1/keys');
  });

  it('never writes the parameters of a failed query, which may hold what the query was storing', () => {
    const { log, text } = capture();
    const failed = new QueryFailedError('INSERT INTO t VALUES ($1)', [secret], new Error('boom'));
    new PinoNestLogger(log).error({ requestId: 'req_1', err: failed }, undefined, 'errors');
    expect(text()).not.toContain(secret);
    expect(text()).toContain('INSERT INTO t');
  });

  it('never writes fields named after secrets, at the top or one level down', () => {
    const { log, text } = capture();
    log.info({ password: 'pw-1-hunter2', apiKey: { secret }, host: { token: 'bh_tok_123456789' } }, 'made');
    expect(text()).not.toMatch(/hunter2|bh_tok_|bk_abcdefghij/);
    expect(JSON.parse(text())).toMatchObject({ apiKey: { secret: '[redacted]' }, msg: 'made' });
  });
});
