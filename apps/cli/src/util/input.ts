import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { InterruptedError } from '../api/errors';

/** The CLI's standard input: secrets come from a prompt (hidden) or from a pipe (`--key-stdin`). */
export interface Input {
  readonly isTTY: boolean;
  /** All of stdin, for `--key-stdin` / `--password-stdin`. */
  readAll(): Promise<string>;
  /** Asks on the terminal (the question goes to stderr); `hidden` echoes nothing, for secrets. */
  prompt(question: string, hidden: boolean): Promise<string>;
}

export class TerminalInput implements Input {
  constructor(
    private readonly stdin: NodeJS.ReadStream = process.stdin,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  get isTTY(): boolean {
    return Boolean(this.stdin.isTTY);
  }

  async readAll(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }

  prompt(question: string, hidden: boolean): Promise<string> {
    this.stderr.write(question);
    // For a secret, readline echoes into a sink instead of the terminal.
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const rl = createInterface({ input: this.stdin, output: hidden ? sink : this.stderr, terminal: true });
    return new Promise((resolve, reject) => {
      rl.on('SIGINT', () => {
        rl.close();
        this.stderr.write('\n');
        reject(new InterruptedError());
      });
      rl.question('', (answer) => {
        rl.close();
        if (hidden) this.stderr.write('\n');
        resolve(answer);
      });
    });
  }
}
