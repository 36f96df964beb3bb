import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_STATUS, OPERATION_ERROR_CODES } from '@berth/domain';
import { AgentFault, faultOf } from './agent-fault';
import { ApiError } from './api-client/api-error';
import { TerminalDriverError } from './drivers/driver';
import { IMAGE_ERROR_CODES, ImageError } from './drivers/images';
import { TerminalVolumeError } from './volumes/volume-backend';

/** The agent's own source files (not its specs). */
function agentSources(dir = __dirname): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return agentSources(file);
    return e.name.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(e.name) ? [file] : [];
  });
}

/**
 * Every code the agent's source can put on a failed operation: the codes its fault types are made
 * with, the general codes its jobs fall back to, and the image pipeline's whole list.
 */
function codesTheAgentReports(): Set<string> {
  const codes = new Set<string>(IMAGE_ERROR_CODES);
  const made = /\b(?:AgentFault|TerminalDriverError|TerminalVolumeError|ImageError)\(\s*'([^']+)'/g;
  const general = /\bfaultOf\([^,()]+,\s*'([^']+)'\)/g;
  for (const file of agentSources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(made)) codes.add(m[1]!);
    for (const m of text.matchAll(general)) codes.add(m[1]!);
  }
  return codes;
}

describe('faultOf: one fault type for every failure the agent reports', () => {
  it("keeps a driver's and a volume backend's terminal codes, terminal", () => {
    expect(faultOf(new TerminalDriverError('image/no_command', 'no cmd'), 'agent/failed')).toMatchObject({
      code: 'image/no_command',
      message: 'no cmd',
      terminal: true,
    });
    expect(faultOf(new TerminalVolumeError('snapshot/missing', 'gone'), 'storage/failed')).toMatchObject({
      code: 'snapshot/missing',
      terminal: true,
    });
  });

  it("takes an image error's own verdict on retrying", () => {
    const refused = faultOf(new ImageError('image/unauthorized', 'who are you'), 'agent/failed');
    expect(refused).toMatchObject({ code: 'image/unauthorized', terminal: true });
    const away = faultOf(new ImageError('image/registry_unreachable', 'timeout'), 'agent/failed');
    expect(away).toMatchObject({ code: 'image/registry_unreachable', terminal: false });
  });

  it('treats an API refusal that will not change as terminal, under the job’s general code', () => {
    expect(faultOf(new ApiError(404, 'operation/not_found', 'no'), 'agent/failed')).toMatchObject({
      code: 'agent/failed',
      terminal: true,
    });
    for (const status of [408, 429, 500, 503]) {
      expect(faultOf(new ApiError(status, 'x', 'busy'), 'agent/failed').terminal).toBe(false);
    }
  });

  it('treats anything else as transient, and never reports a code outside the catalogue', () => {
    expect(faultOf(new Error('ECONNRESET'), 'exec/failed')).toMatchObject({
      code: 'exec/failed',
      message: 'ECONNRESET',
      terminal: false,
    });
    expect(faultOf('a string', 'agent/failed').message).toBe('a string');
    expect(faultOf(new TerminalDriverError('made/up', 'x'), 'agent/failed').code).toBe('agent/failed');
    const own = new AgentFault('storage/incomplete', 'nothing', true);
    expect(faultOf(own, 'storage/failed')).toBe(own);
    expect(own.report).toEqual({ code: 'storage/incomplete', message: 'nothing' });
  });
});

describe('the codes an operation can fail with', () => {
  it('lists every code the agent can report in the public catalogue', () => {
    const reported = codesTheAgentReports();
    // The scan is real: it finds the codes made in the drivers, the runner and the storage jobs.
    expect([...reported]).toEqual(
      expect.arrayContaining([
        'image/no_command',
        'container/not_running',
        'storage/incomplete',
        'agent/failed',
      ]),
    );
    const listed = new Set<string>(OPERATION_ERROR_CODES);
    expect([...reported].filter((c) => !listed.has(c)).sort()).toEqual([]);
  });

  it('lists each code once, spelled area/reason, none clashing with a request error of another meaning', () => {
    expect(new Set(OPERATION_ERROR_CODES).size).toBe(OPERATION_ERROR_CODES.length);
    for (const code of OPERATION_ERROR_CODES) expect(code).toMatch(/^[a-z_]+\/[a-z_]+$/);
    // A code that is also an HTTP error means the same thing in both lists.
    const shared = OPERATION_ERROR_CODES.filter((c) => c in ERROR_STATUS);
    expect(shared).toEqual(['container/not_running', 'image/not_found']);
  });
});
