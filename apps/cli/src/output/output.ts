import { Presets, SingleBar } from 'cli-progress';
import ora from 'ora';
import { formatBytes } from './format';

/**
 * A spinner, or a progress bar once sizes are known, shown on stderr while the CLI waits. On
 * anything but a terminal it shows nothing: piped output and CI logs stay clean.
 */
export interface Activity {
  text(message: string): void;
  /** Switches to a progress bar for a known amount of bytes. */
  progress(label: string, done: number, total: number): void;
  /** Clears the spinner or bar; what happened is for the command to print. Safe to call twice. */
  stop(): void;
}

/**
 * Where commands write. Results go to `out` (stdout: tables, ids, JSON), everything for a person
 * only (errors, hints, spinners) to `err` (stderr), so `berth ps -q | xargs ...` gets ids only.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal a person watches (and CI/NO_COLOR did not ask for plain). */
  readonly interactive: boolean;
  activity(text: string): Activity;
}

export const NO_ACTIVITY: Activity = {
  text: () => undefined,
  progress: () => undefined,
  stop: () => undefined,
};

class TerminalActivity implements Activity {
  private readonly spinner: ora.Ora;
  private bar: SingleBar | undefined;
  private stopped = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    message: string,
  ) {
    // discardStdin off: ora would put the terminal in raw mode, and Ctrl-C must stay a real SIGINT.
    this.spinner = ora({ text: message, stream, discardStdin: false }).start();
  }

  text(message: string): void {
    if (this.stopped) return;
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
      this.spinner.start(message);
      return;
    }
    this.spinner.text = message;
  }

  progress(label: string, done: number, total: number): void {
    if (this.stopped) return;
    const payload = { label, doneh: formatBytes(done), totalh: formatBytes(total) };
    if (!this.bar) {
      this.spinner.stop();
      this.bar = new SingleBar(
        {
          format: '{label} [{bar}] {percentage}% {doneh}/{totalh}',
          stream: this.stream,
          hideCursor: true,
          clearOnComplete: true,
          barsize: 30,
        },
        Presets.shades_classic,
      );
      this.bar.start(total, done, payload);
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(done, payload);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
    this.spinner.stop();
  }
}

/** The process's own stdout and stderr. */
export class TerminalOutput implements Output {
  readonly interactive: boolean;

  constructor(
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
    plain = false,
  ) {
    this.interactive = Boolean(stderr.isTTY) && !plain;
  }

  out(text: string): void {
    this.stdout.write(text);
  }

  err(text: string): void {
    this.stderr.write(text);
  }

  activity(text: string): Activity {
    return this.interactive ? new TerminalActivity(this.stderr, text) : NO_ACTIVITY;
  }
}

/** JSON for scripts: indented, one document, newline-terminated. */
export function printJson(out: Output, value: unknown): void {
  out.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line per item (ids for -q, refs acted on); nothing at all for no items. */
export function printLines<T>(out: Output, items: readonly T[], line: (item: T) => string): void {
  if (items.length > 0) out.out(`${items.map(line).join('\n')}\n`);
}
