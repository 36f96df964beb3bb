import { SetMetadata } from '@nestjs/common';

export const RETURNS_SECRET = 'berth:returns-secret';

/**
 * Marks a handler whose answer holds a secret shown only once (an API key, a host token). This marker is
 * the one place that says which answers those are: the idempotency store keeps such an answer sealed with
 * the secrets key, never in clear (see IdempotencyService.complete). Put it on every handler that returns
 * a credential; a handler without it has its answer stored as it is.
 */
export const ReturnsSecret = (): MethodDecorator => SetMetadata(RETURNS_SECRET, true);
