import { ApiError, CliError, ExitCode, InterruptedError } from '../api/errors';
import { describeError, reportError } from './report';

describe('reportError', () => {
  function report(err: unknown): { code: number; text: string } {
    let text = '';
    const code = reportError(err, (s) => (text += s));
    return { code, text };
  }

  it('prints "Error: code: message" and exits 1 (or the error\'s own code)', () => {
    expect(report(new ApiError('container/not_found', 'no such container', 404, 'req_1'))).toEqual({
      code: 1,
      text: 'Error: container/not_found: no such container\n',
    });
    expect(report(new CliError('cli/usage', 'bad flag', 2))).toEqual({
      code: 2,
      text: 'Error: cli/usage: bad flag\n',
    });
  });

  it('a 5xx adds the request id for the operator', () => {
    expect(describeError(new ApiError('internal', 'boom', 500, 'req_9'))).toBe(
      'Error: internal: boom (request req_9)\n',
    );
  });

  it('ExitCode is silent; an interrupt prints its hint and exits 130', () => {
    expect(report(new ExitCode(7))).toEqual({ code: 7, text: '' });
    expect(report(new InterruptedError('follow it with X'))).toEqual({
      code: 130,
      text: '\nStopped waiting. follow it with X\n',
    });
  });

  it('anything unexpected is an internal error, exit 1', () => {
    expect(report(new Error('oops'))).toEqual({ code: 1, text: 'Error: internal: oops\n' });
  });
});
