import { Strategy } from 'passport-strategy';
import type { IncomingMessage } from 'node:http';

export type VerifyBearer = (token: string) => Promise<unknown>;

/** The token of an `Authorization: Bearer <token>` header, or undefined: the one reading of the header. */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/**
 * A Passport strategy that reads the token from `Authorization: Bearer` only. (passport-http-bearer
 * also accepts `?access_token=`, which would put secrets in URLs and logs.)
 */
export class HeaderBearerStrategy extends Strategy {
  constructor(
    readonly name: string,
    private readonly verify: VerifyBearer,
  ) {
    super();
  }

  override authenticate(req: IncomingMessage): void {
    const token = bearerTokenOf(req.headers.authorization);
    if (!token) {
      this.fail('missing bearer token', 401);
      return;
    }
    this.verify(token).then(
      (principal) => (principal ? this.success(principal) : this.fail('invalid bearer token', 401)),
      (err: unknown) => this.error(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
