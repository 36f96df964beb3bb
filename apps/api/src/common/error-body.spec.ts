import { HttpException } from '@nestjs/common';
import { DomainError } from '@berth/domain';
import { mapError } from './error-body';
import { COMMAND_OUTPUT_BODY_BYTES, MAX_BODY_BYTES } from './input-limits';

describe('mapError', () => {
  const tooLarge = new HttpException('Request body is too large', 413);

  it('names the general body limit when the route has no limit of its own', () => {
    expect(mapError(tooLarge)).toEqual({
      status: 413,
      code: 'request/payload_too_large',
      message: 'the request body is larger than 1 MiB, the most this route accepts',
    });
    expect(mapError(tooLarge, MAX_BODY_BYTES).message).toContain('1 MiB');
  });

  it("names the route's own limit on a route that takes more (the agent's command output)", () => {
    expect(mapError(tooLarge, COMMAND_OUTPUT_BODY_BYTES).message).toBe(
      'the request body is larger than 16 MiB, the most this route accepts',
    );
    expect(mapError(tooLarge, 1536).message).toContain('1.5 KiB');
    expect(mapError(tooLarge, 100).message).toContain('100 bytes');
  });

  it('keeps domain errors as they are, whatever the limit', () => {
    const e = new DomainError('container/not_found', 'container x does not exist');
    expect(mapError(e, COMMAND_OUTPUT_BODY_BYTES)).toMatchObject({
      status: 404,
      code: 'container/not_found',
      message: 'container x does not exist',
    });
  });
});
