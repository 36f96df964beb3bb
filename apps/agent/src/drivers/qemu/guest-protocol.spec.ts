import {
  encodeExec,
  encodeFrame,
  encodeStart,
  encodeWriteFile,
  GuestFrame,
  GuestFrameDecoder,
  HostFrame,
  Tag,
} from './guest-protocol';

function tlvs(payload: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let off = 0; off < payload.length;) {
    const tag = payload.readUInt8(off);
    const len = payload.readUInt32LE(off + 1);
    out.push([tag, payload.subarray(off + 5, off + 5 + len).toString('utf8')]);
    off += 5 + len;
  }
  return out;
}

describe('guest protocol', () => {
  it('frames START as type, id, length and ordered TLVs', () => {
    const frame = encodeStart({
      args: ['sh', '-c', 'echo hi'],
      env: ['A=1'],
      workdir: '/w',
      user: 'nobody',
      hostname: 'web-1',
      rootReadOnlyDevice: '/dev/vda',
      rootWritableDevice: '/dev/vdb',
      timeMs: 1234,
      mounts: [{ device: '/dev/vdc', path: '/data', fstype: 'ext4' }],
    });
    expect(frame.readUInt8(0)).toBe(HostFrame.start);
    expect(frame.readUInt32LE(1)).toBe(0);
    expect(frame.readUInt32LE(5)).toBe(frame.length - 9);
    expect(tlvs(frame.subarray(9))).toEqual([
      [Tag.arg, 'sh'],
      [Tag.arg, '-c'],
      [Tag.arg, 'echo hi'],
      [Tag.env, 'A=1'],
      [Tag.workdir, '/w'],
      [Tag.user, 'nobody'],
      [Tag.hostname, 'web-1'],
      [Tag.timeMs, '1234'],
      [Tag.rootRo, '/dev/vda'],
      [Tag.rootRw, '/dev/vdb'],
      [Tag.mount, '/dev/vdc\0/data\0ext4'],
    ]);
  });

  it("carries a clone's host entropy as hex and its MACs, and a cold START carries neither", () => {
    const base = { args: ['sh'], env: [], hostname: 'h', rootReadOnlyDevice: 'serial:r', timeMs: 0 };
    const entropy = Buffer.from([0x00, 0xff, 0x10, 0xab]);
    expect(tlvs(encodeStart({ ...base, entropy }).subarray(9)).at(-1)).toEqual([Tag.entropy, '00ff10ab']);
    expect(tlvs(encodeStart({ ...base, macs: ['eth0 52:54:00:00:00:01'] }).subarray(9)).at(-1)).toEqual([
      Tag.mac,
      'eth0 52:54:00:00:00:01',
    ]);
    expect(tlvs(encodeStart(base).subarray(9)).map(([tag]) => tag)).not.toContain(Tag.entropy);
    expect(tlvs(encodeStart(base).subarray(9)).map(([tag]) => tag)).not.toContain(Tag.mac);
  });

  it('frames WRITE_FILE with a path and content, and refuses relative or climbing paths', () => {
    const f = encodeWriteFile('/etc/hosts', '10.0.0.2 web\n');
    expect(f.readUInt8(0)).toBe(HostFrame.writeFile);
    expect(tlvs(f.subarray(9))).toEqual([
      [Tag.path, '/etc/hosts'],
      [Tag.content, '10.0.0.2 web\n'],
    ]);
    expect(() => encodeWriteFile('etc/hosts', '')).toThrow();
    expect(() => encodeWriteFile('/etc/../root/x', '')).toThrow();
  });

  it('refuses NUL inside values and empty commands', () => {
    expect(() => encodeExec(1, { args: ['a\0b'], env: [] })).toThrow(/NUL/);
    // A mount is three NUL-separated parts; a NUL inside one would shift the others.
    expect(() =>
      encodeStart({
        args: ['sh'],
        env: [],
        hostname: 'h',
        rootReadOnlyDevice: 'serial:berth-root',
        timeMs: 0,
        mounts: [{ device: 'serial:berth-vol0', path: '/da\0ta', fstype: 'ext4' }],
      }),
    ).toThrow(/NUL/);
    expect(() => encodeExec(1, { args: [], env: [] })).toThrow(/at least one/);
  });

  it('decodes guest frames split across arbitrary chunks', () => {
    const out = Buffer.alloc(9 + 5);
    out.writeUInt8(2, 0);
    out.writeBigUInt64LE(1_700_000_000_123_000_000n, 1);
    out.write('hello', 9);
    const exit = Buffer.alloc(4);
    exit.writeInt32LE(3, 0);
    const bytes = Buffer.concat([
      encodeFrame(GuestFrame.ready, 0, Buffer.from('1')),
      encodeFrame(GuestFrame.output, 7, out),
      encodeFrame(GuestFrame.exit, 7, exit),
      encodeFrame(99, 0, Buffer.from('future')),
    ]);
    const d = new GuestFrameDecoder();
    const msgs = [];
    for (let i = 0; i < bytes.length; i += 3) msgs.push(...d.push(bytes.subarray(i, i + 3)));
    expect(msgs).toEqual([
      { kind: 'ready', version: '1' },
      {
        kind: 'output',
        id: 7,
        stream: 'stderr',
        at: new Date(1_700_000_000_123),
        data: Buffer.from('hello'),
      },
      { kind: 'exit', id: 7, code: 3 },
    ]);
  });

  it('rejects an oversized frame', () => {
    const head = Buffer.alloc(9);
    head.writeUInt32LE(64 * 1024 * 1024, 5);
    expect(() => new GuestFrameDecoder().push(head)).toThrow(/bytes/);
  });
});
