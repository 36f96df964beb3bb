// A parser for the WWW-Authenticate header (RFC 9110 section 11.6.1), as registries send it:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
//   Basic realm="berth-test"
// A header may hold several challenges, and fetch() joins repeated headers with ", ".

export interface AuthChallenge {
  /** The scheme, lowercased: 'bearer', 'basic', ... */
  readonly scheme: string;
  /** Parameters by lowercased name, values unquoted. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`), when the challenge used it instead of parameters. */
  readonly token68?: string;
}

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

class Scanner {
  pos = 0;
  constructor(readonly s: string) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(offset = 0): string {
    return this.s[this.pos + offset] ?? '';
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  skipSpacesAndCommas(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  /** Is what follows `token BWS "=" BWS` then a value (an auth-param), rather than token68 padding? */
  atParam(): boolean {
    const save = this.pos;
    try {
      if (this.token().length === 0) return false;
      this.skipSpaces();
      if (this.peek() !== '=') return false;
      this.pos++;
      this.skipSpaces();
      const c = this.peek();
      return c !== '' && c !== '=' && c !== ',';
    } finally {
      this.pos = save;
    }
  }
  quoted(): string {
    // at the opening quote
    this.pos++;
    let out = '';
    while (!this.done) {
      const c = this.peek();
      this.pos++;
      if (c === '\\') {
        out += this.peek();
        this.pos++;
      } else if (c === '"') {
        return out;
      } else {
        out += c;
      }
    }
    return out; // unterminated: take what there is
  }
  /** An unquoted value; lenient: anything up to a comma or white space (some servers send bare URLs). */
  bare(): string {
    const start = this.pos;
    while (!this.done && !/[,\s]/.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
}

/** Parses every challenge in the header; unknown shapes are skipped rather than thrown. */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  if (!header) return challenges;
  const sc = new Scanner(header);
  while (true) {
    sc.skipSpacesAndCommas();
    if (sc.done) break;
    const scheme = sc.token();
    if (scheme.length === 0) {
      sc.pos++; // not a token: skip the character and carry on
      continue;
    }
    const params: Record<string, string> = {};
    let token68: string | undefined;
    sc.skipSpaces();
    if (!sc.done && sc.peek() !== ',' && !sc.atParam()) {
      const start = sc.pos;
      while (!sc.done && TOKEN68_CHAR.test(sc.peek())) sc.pos++;
      while (sc.peek() === '=') sc.pos++;
      if (sc.pos > start) token68 = header.slice(start, sc.pos);
    } else {
      while (true) {
        // params are separated by commas; a comma followed by something that is not a param
        // starts the next challenge
        const save = sc.pos;
        sc.skipSpacesAndCommas();
        if (sc.done || !sc.atParam()) {
          sc.pos = save;
          break;
        }
        const name = sc.token().toLowerCase();
        sc.skipSpaces();
        sc.pos++; // '='
        sc.skipSpaces();
        const value = sc.peek() === '"' ? sc.quoted() : sc.bare();
        params[name] = value;
        sc.skipSpaces();
        if (sc.peek() !== ',' && !sc.done) {
          // garbage after a value: stop this challenge here
          break;
        }
      }
    }
    challenges.push(
      token68 !== undefined
        ? { scheme: scheme.toLowerCase(), params, token68 }
        : { scheme: scheme.toLowerCase(), params },
    );
  }
  return challenges;
}
