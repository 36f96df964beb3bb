import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  encodeExec,
  encodePoweroff,
  encodeSignal,
  encodeStart,
  encodeWriteFile,
  GuestFrameDecoder,
  type GuestMessage,
  type ProcessSpec,
  type StartSpec,
} from './guest-protocol';
import { connectWhenReady } from './unix-socket';

export interface GuestChannelEvents {
  message: [GuestMessage];
  close: [];
}

/**
 * The agent's end of one guest's channel (QEMU's virtio-serial chardev socket). QEMU keeps the socket
 * across agent restarts, so a restarted agent reconnects to a running guest.
 */
export class GuestChannel extends EventEmitter<GuestChannelEvents> {
  private readonly decoder = new GuestFrameDecoder();
  private closed = false;
  private readyVersion: string | null = null;

  private constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      let msgs: GuestMessage[];
      try {
        msgs = this.decoder.push(chunk);
      } catch {
        socket.destroy(); // a guest that breaks the protocol gets no more of our attention
        return;
      }
      for (const m of msgs) {
        if (m.kind === 'ready') this.readyVersion = m.version;
        this.emit('message', m);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
    socket.on('error', () => undefined);
  }

  static async connect(path: string, timeoutMs = 10_000, signal?: AbortSignal): Promise<GuestChannel> {
    return new GuestChannel(await connectWhenReady(path, timeoutMs, signal));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once the guest's init has announced itself (it repeats READY until START). */
  waitReady(timeoutMs: number): Promise<string> {
    if (this.readyVersion !== null) return Promise.resolve(this.readyVersion);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the guest did not come up within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: GuestMessage) => {
        if (m.kind === 'ready') {
          cleanup();
          resolve(m.version);
        }
      };
      const onClose = () => {
        cleanup();
        reject(new Error('the guest channel closed before the guest came up'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.off('message', onMessage);
        this.off('close', onClose);
      };
      this.on('message', onMessage);
      this.on('close', onClose);
    });
  }

  start(spec: StartSpec): void {
    this.socket.write(encodeStart(spec));
  }

  exec(id: number, spec: ProcessSpec): void {
    this.socket.write(encodeExec(id, spec));
  }

  signal(id: number, signal: number): void {
    if (!this.closed) this.socket.write(encodeSignal(id, signal));
  }

  writeFile(path: string, content: string): void {
    if (!this.closed) this.socket.write(encodeWriteFile(path, content));
  }

  poweroff(): void {
    if (!this.closed) this.socket.write(encodePoweroff());
  }

  close(): void {
    this.socket.destroy();
  }
}
