/**
 * The agent's side of the berth guest protocol (the guest's side is guest/init/protocol.h; change
 * both together). A byte stream of frames, independent of the transport (virtio-serial here):
 *
 *   frame := type:u8  id:u32le  length:u32le  payload[length]
 *   START/EXEC payload := TLVs  tag:u8  length:u32le  value[length]
 */
export const PROTOCOL_VERSION = 1;
export const MAX_FRAME = 4 * 1024 * 1024;

export const GuestFrame = { ready: 1, output: 2, exit: 3, started: 4, error: 5, log: 6 } as const;
export const HostFrame = { start: 10, exec: 11, signal: 12, poweroff: 13, writeFile: 14 } as const;
export const Tag = {
  arg: 1,
  env: 2,
  workdir: 3,
  user: 4,
  hostname: 5,
  timeMs: 6,
  rootRo: 7,
  rootRw: 8,
  net: 9,
  mount: 10,
  hosts: 11,
  resolv: 12,
  path: 13,
  content: 14,
  entropy: 15,
  mac: 16,
} as const;

export type GuestMessage =
  | { readonly kind: 'ready'; readonly version: string }
  | {
      readonly kind: 'output';
      readonly id: number;
      readonly stream: 'stdout' | 'stderr';
      readonly at: Date;
      readonly data: Buffer;
    }
  | { readonly kind: 'exit'; readonly id: number; readonly code: number }
  | { readonly kind: 'started'; readonly id: number; readonly pid: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string }
  | { readonly kind: 'log'; readonly message: string };

/** What the guest needs to run a process: START carries the machine parts too, EXEC only these. */
export interface ProcessSpec {
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
}

export interface StartSpec extends ProcessSpec {
  readonly hostname: string;
  readonly rootReadOnlyDevice: string;
  readonly rootWritableDevice?: string;
  readonly timeMs: number;
  readonly networks?: readonly string[];
  readonly mounts?: readonly { device: string; path: string; fstype: string }[];
  readonly hosts?: string;
  readonly resolv?: string;
  /**
   * A clone of a VM template only (docs/vm-templates.md): fresh host random bytes that berth-init
   * mixes into the kernel's RNG and re-keys it with before anything else runs.
   */
  readonly entropy?: Buffer;
  /** A clone only: `<ifname> <mac>` per NIC (a clone's NICs come up with the template's MACs). */
  readonly macs?: readonly string[];
}

export function encodeFrame(type: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_FRAME)
    throw new Error(`frame payload of ${payload.length} bytes is over ${MAX_FRAME}`);
  const head = Buffer.alloc(9);
  head.writeUInt8(type, 0);
  head.writeUInt32LE(id >>> 0, 1);
  head.writeUInt32LE(payload.length, 5);
  return Buffer.concat([head, payload]);
}

function tlv(tag: number, value: string): Buffer {
  return tlvParts(tag, [value]);
}

/** A TLV whose value is several strings joined by NUL (the guest splits at NUL), none holding one itself. */
function tlvParts(tag: number, parts: readonly string[]): Buffer {
  if (parts.some((p) => p.includes('\0'))) throw new Error('protocol values cannot contain NUL');
  const v = Buffer.from(parts.join('\0'), 'utf8');
  const head = Buffer.alloc(5);
  head.writeUInt8(tag, 0);
  head.writeUInt32LE(v.length, 1);
  return Buffer.concat([head, v]);
}

function processTlvs(p: ProcessSpec): Buffer[] {
  if (p.args.length === 0) throw new Error('a process needs at least one argument');
  return [
    ...p.args.map((a) => tlv(Tag.arg, a)),
    ...p.env.map((e) => tlv(Tag.env, e)),
    ...(p.workdir ? [tlv(Tag.workdir, p.workdir)] : []),
    ...(p.user ? [tlv(Tag.user, p.user)] : []),
  ];
}

export function encodeStart(s: StartSpec): Buffer {
  const parts = [
    ...processTlvs(s),
    tlv(Tag.hostname, s.hostname),
    tlv(Tag.timeMs, String(Math.floor(s.timeMs))),
    tlv(Tag.rootRo, s.rootReadOnlyDevice),
    ...(s.rootWritableDevice ? [tlv(Tag.rootRw, s.rootWritableDevice)] : []),
    ...(s.networks ?? []).map((n) => tlv(Tag.net, n)),
    ...(s.mounts ?? []).map((m) => tlvParts(Tag.mount, [m.device, m.path, m.fstype])),
    ...(s.hosts ? [tlv(Tag.hosts, s.hosts)] : []),
    ...(s.resolv ? [tlv(Tag.resolv, s.resolv)] : []),
    ...(s.entropy ? [tlv(Tag.entropy, s.entropy.toString('hex'))] : []),
    ...(s.macs ?? []).map((m) => tlv(Tag.mac, m)),
  ];
  return encodeFrame(HostFrame.start, 0, Buffer.concat(parts));
}

export function encodeExec(id: number, p: ProcessSpec): Buffer {
  return encodeFrame(HostFrame.exec, id, Buffer.concat(processTlvs(p)));
}

export function encodeSignal(id: number, signal: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32LE(signal, 0);
  return encodeFrame(HostFrame.signal, id, p);
}

/** Replaces a file inside the running container (the agent keeps /etc/hosts current this way). */
export function encodeWriteFile(path: string, content: string): Buffer {
  if (!path.startsWith('/') || path.includes('..')) throw new Error('the path must be absolute, without ..');
  return encodeFrame(HostFrame.writeFile, 0, Buffer.concat([tlv(Tag.path, path), tlv(Tag.content, content)]));
}

export function encodePoweroff(): Buffer {
  return encodeFrame(HostFrame.poweroff, 0);
}

/** Turns the guest's byte stream into messages; feed it chunks in order. */
export class GuestFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): GuestMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: GuestMessage[] = [];
    while (this.buffer.length >= 9) {
      const length = this.buffer.readUInt32LE(5);
      if (length > MAX_FRAME) throw new Error(`guest sent a frame of ${length} bytes`);
      if (this.buffer.length < 9 + length) break;
      const type = this.buffer.readUInt8(0);
      const id = this.buffer.readUInt32LE(1);
      const payload = this.buffer.subarray(9, 9 + length);
      this.buffer = this.buffer.subarray(9 + length);
      const msg = decode(type, id, Buffer.from(payload));
      if (msg) out.push(msg);
    }
    return out;
  }
}

function decode(type: number, id: number, p: Buffer): GuestMessage | null {
  switch (type) {
    case GuestFrame.ready:
      return { kind: 'ready', version: p.toString('utf8') };
    case GuestFrame.output: {
      if (p.length < 9) return null;
      const ns = p.readBigUInt64LE(1);
      return {
        kind: 'output',
        id,
        stream: p.readUInt8(0) === 2 ? 'stderr' : 'stdout',
        at: new Date(Number(ns / 1_000_000n)),
        data: p.subarray(9),
      };
    }
    case GuestFrame.exit:
      return p.length >= 4 ? { kind: 'exit', id, code: p.readInt32LE(0) } : null;
    case GuestFrame.started:
      return p.length >= 4 ? { kind: 'started', id, pid: p.readUInt32LE(0) } : null;
    case GuestFrame.error:
      return { kind: 'error', id, message: p.toString('utf8') };
    case GuestFrame.log:
      return { kind: 'log', message: p.toString('utf8') };
    default:
      return null; // a newer guest may send more kinds
  }
}
