import type { Socket } from 'node:net';
import { connectWhenReady } from './unix-socket';

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/**
 * A minimal QMP client (QEMU Machine Protocol): one command at a time, in order, as QEMU answers in
 * order. Used to query and end machines; asynchronous events are ignored.
 */
export class QmpClient {
  private buffer = '';
  private readonly queue: Pending[] = [];
  private greeted = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('close', () => {
      for (const p of this.queue.splice(0)) p.reject(new Error('QMP connection closed'));
    });
    socket.on('error', () => undefined);
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const c = new QmpClient(await connectWhenReady(path, timeoutMs));
    await c.execute('qmp_capabilities');
    return c;
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as {
        QMP?: unknown;
        event?: string;
        return?: unknown;
        error?: { desc?: string };
      };
      if (msg.QMP !== undefined && !this.greeted) {
        this.greeted = true;
        continue;
      }
      if (msg.event !== undefined) continue;
      const p = this.queue.shift();
      if (!p) continue;
      if (msg.error) p.reject(new Error(`QMP: ${msg.error.desc ?? 'error'}`));
      else p.resolve(msg.return);
    }
  }
}
