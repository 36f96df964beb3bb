// guest/init/protocol.h (berth-init, in C) and guest-protocol.ts (the agent) describe one wire format and
// must change together. This reads the header's constants and holds the TypeScript ones to them, both ways:
// a number changed on one side, or a message type or tag added to one side only, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestFrame, HostFrame, MAX_FRAME, PROTOCOL_VERSION, Tag } from './guest-protocol';

const HEADER = readFileSync(join(__dirname, '../../../../../guest/init/protocol.h'), 'utf8');

/** `4u * 1024u` and the like: unsigned suffixes dropped, then products of whole numbers. */
function evaluate(expression: string): number {
  const cleaned = expression.replace(/[()\s]/g, '').replace(/(\d+)u/g, '$1');
  if (!/^\d+(\*\d+)*$/.test(cleaned)) throw new Error(`not a product of numbers: ${expression}`);
  return cleaned.split('*').reduce((product, factor) => product * Number(factor), 1);
}

function defines(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [, name, value] of HEADER.matchAll(/^#define[ \t]+(\w+)[ \t]+(.+?)[ \t]*$/gm)) {
    if (name!.endsWith('_H')) continue; // the include guard
    out.set(name!, evaluate(value!));
  }
  return out;
}

/** The `NAME = n` members of the header's enums whose names start with `prefix`. */
function enumMembers(prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [, name, value] of HEADER.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=\s*(\d+)\s*,/gm)) {
    if (name!.startsWith(prefix)) out.set(name!.slice(prefix.length), Number(value));
  }
  return out;
}

/** WRITE_FILE -> writeFile, TIME_MS -> timeMs: the TypeScript spelling of a header name. */
function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function asTypeScript(members: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...members].map(([name, value]) => [camel(name), value]));
}

describe('guest/init/protocol.h and guest-protocol.ts', () => {
  it('agree on the protocol version and the largest frame', () => {
    expect(Object.fromEntries(defines())).toEqual({
      BERTH_PROTOCOL_VERSION: PROTOCOL_VERSION,
      BERTH_MAX_FRAME: MAX_FRAME,
    });
  });

  it.each([
    ['guest -> host message types (G_*)', 'G_', GuestFrame],
    ['host -> guest message types (H_*)', 'H_', HostFrame],
    ['TLV tags (T_*)', 'T_', Tag],
  ] as const)('agree on the %s', (_what, prefix, typescript) => {
    const header = enumMembers(prefix);
    expect(header.size).toBeGreaterThan(0);
    expect(asTypeScript(header)).toEqual({ ...typescript });
  });

  it('give every message type its own number, across both directions', () => {
    const numbers = [...Object.values(GuestFrame), ...Object.values(HostFrame)];
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
