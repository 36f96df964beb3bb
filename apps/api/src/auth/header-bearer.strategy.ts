import { Strategy } from 'passport-strategy';
import type { IncomingMessage } from 'node:http';

export type VerifyBearer = (token: string) => Promise<unknown>;

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
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      this.fail('missing bearer token', 401);
      return;
    }
    this.verify(match[1]).then(
      (principal) => (principal ? this.success(principal) : this.fail('invalid bearer token', 401)),
      (err: unknown) => this.error(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
