import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runBerth } from '../../testing/harness';

function hasShell(shell: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Completes `line` (the word being typed last) with the generated bash script; returns COMPREPLY. */
function bashComplete(script: string, words: string[]): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-completion-'));
  const file = path.join(dir, 'berth.bash');
  writeFileSync(file, script);
  const arr = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', [
    '-c',
    `source '${file}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _berth_completion; printf '%s\\n' "\${COMPREPLY[@]}"`,
  ]).toString();
  return out.split('\n').filter(Boolean);
}

describe('berth completion', () => {
  it('bash: a script bash accepts, completing commands, subcommands, flags and flag values', async () => {
    const res = await runBerth(['completion', 'bash']);
    expect(res.code).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-completion-'));
    writeFileSync(path.join(dir, 'b.bash'), res.stdout);
    execFileSync('bash', ['-n', path.join(dir, 'b.bash')]);

    expect(bashComplete(res.stdout, ['berth', 'r'])).toEqual(['run', 'restart', 'rm', 'rmi', 'registry']);
    expect(bashComplete(res.stdout, ['berth', 'admin', 'tenants', ''])).toEqual([
      'create',
      'ls',
      'suspend',
      'reactivate',
      'quotas',
    ]);
    expect(bashComplete(res.stdout, ['berth', 'keys', 'list', '--'])).toEqual([
      '--json',
      '--quiet',
      '--help',
    ]);
    expect(bashComplete(res.stdout, ['berth', 'run', '-d', '--size', 'm'])).toEqual(['m1', 'm2', 'm3']);
    expect(bashComplete(res.stdout, ['berth', 'run', '--name', ''])).toEqual([]);
    expect(bashComplete(res.stdout, ['berth', 'completion', ''])).toEqual(['bash', 'zsh']);
    expect(bashComplete(res.stdout, ['berth', 'logs', '--t'])).toEqual(['--tail', '--timestamps']);
    // Networking nouns come from the same tree.
    expect(bashComplete(res.stdout, ['berth', 'f'])).toEqual(['fip']);
    expect(bashComplete(res.stdout, ['berth', 'network', ''])).toEqual(['create', 'ls', 'inspect', 'rm']);
    expect(bashComplete(res.stdout, ['berth', 'sg', 'rule', ''])).toEqual(['add', 'ls', 'rm']);
    expect(bashComplete(res.stdout, ['berth', 'sg', 'rule', 'add', 'web', '--proto', ''])).toEqual([
      'tcp',
      'udp',
      'icmp',
      'all',
    ]);
    expect(bashComplete(res.stdout, ['berth', 'fip', 'a'])).toEqual(['allocate', 'attach']);
    expect(bashComplete(res.stdout, ['berth', 'run', '--s'])).toEqual(['--sg', '--size']);
    // Storage nouns too.
    expect(bashComplete(res.stdout, ['berth', 'volume', ''])).toEqual(['create', 'ls', 'inspect', 'rm']);
    expect(bashComplete(res.stdout, ['berth', 'snapshot', ''])).toEqual([
      'create',
      'ls',
      'inspect',
      'rm',
      'restore',
    ]);
    expect(bashComplete(res.stdout, ['berth', 'snapshot', 'ls', '--'])).toEqual([
      '--volume',
      '--json',
      '--quiet',
      '--help',
    ]);
    expect(bashComplete(res.stdout, ['berth', 'run', '--v'])).toEqual(['--volume']);
  });

  it('zsh: a compdef script that zsh accepts (when zsh is installed)', async () => {
    const res = await runBerth(['completion', 'zsh']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^#compdef berth\n/);
    expect(res.stdout).toContain("'run:create and start a container'");
    expect(res.stdout).toContain("('berth run --size') compadd -- 's1'");
    if (hasShell('zsh')) {
      const dir = mkdtempSync(path.join(tmpdir(), 'berth-completion-'));
      writeFileSync(path.join(dir, '_berth'), res.stdout);
      execFileSync('zsh', ['-n', path.join(dir, '_berth')]);
    }
  });

  it('an unknown shell: exit 2 with the choices', async () => {
    const res = await runBerth(['completion', 'fish']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Allowed choices are bash, zsh');
  });
});
