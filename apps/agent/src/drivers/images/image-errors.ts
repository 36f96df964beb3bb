// Coded errors of the image pipeline. The codes follow the `area/reason` spelling of
// libs/domain's ERROR_STATUS so that the API can surface them as they are.

import { IMAGE_ERROR_CODES } from '@berth/domain';

// The list is the domain's, so the public catalogue of operation errors names the same codes.
export { IMAGE_ERROR_CODES };

export type ImageErrorCode = (typeof IMAGE_ERROR_CODES)[number];

/** Codes that the same pull, retried unchanged, will meet again. */
const TERMINAL: ReadonlySet<ImageErrorCode> = new Set<ImageErrorCode>([
  'image/invalid_reference',
  'image/not_found',
  'image/unauthorized',
  'image/unsupported',
  // the address or the realm will be the same on the next attempt; the operator's allow list decides
  'image/registry_forbidden',
  'image/insecure_realm',
]);

/**
 * A failure to get an image, with a stable code. `message` names the image and the reason and
 * never contains credentials or tokens.
 */
export class ImageError extends Error {
  override readonly name = 'ImageError';

  constructor(
    readonly code: ImageErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** true when retrying will not help (bad reference, missing image, refused credentials, wrong platform). */
  get terminal(): boolean {
    return TERMINAL.has(this.code);
  }
}

export function isImageError(e: unknown, code?: ImageErrorCode): e is ImageError {
  return e instanceof ImageError && (code === undefined || e.code === code);
}
