import type { Command } from 'commander';
import { CliContext } from './context';
import { buildProgram } from './program';
import { runBerth } from './testing/harness';

function leaves(cmd: Command, path: string[] = []): string[][] {
  if (cmd.commands.length === 0) return [path];
  return cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('the command tree', () => {
  // Only the tree's shape is read: the context is never used.
  const tree = buildProgram(new CliContext({ version: '0.0.0' } as never));

  it('has the commands the issue asks for', () => {
    expect(leaves(tree).map((p) => p.join(' '))).toEqual(
      expect.arrayContaining([
        'login',
        'logout',
        'run',
        'ps',
        'logs',
        'exec',
        'stop',
        'start',
        'restart',
        'rm',
        'inspect',
        'wait',
        'pull',
        'images',
        'rmi',
        'registry ls',
        'keys create',
        'keys ls',
        'keys revoke',
        'admin tenants create',
        'admin tenants ls',
        'admin tenants suspend',
        'admin tenants quotas',
        'admin hosts ls',
        'admin hosts readmit',
        'admin join-tokens create',
        'admin join-tokens ls',
        'admin join-tokens rm',
        'network create',
        'network ls',
        'network inspect',
        'network rm',
        'sg create',
        'sg ls',
        'sg inspect',
        'sg rm',
        'sg rule add',
        'sg rule ls',
        'sg rule rm',
        'sg attach',
        'sg detach',
        'fip allocate',
        'fip ls',
        'fip inspect',
        'fip attach',
        'fip detach',
        'fip name',
        'fip release',
        'volume create',
        'volume ls',
        'volume inspect',
        'volume rm',
        'snapshot create',
        'snapshot ls',
        'snapshot inspect',
        'snapshot rm',
        'snapshot restore',
        'usage',
        'quotas',
        'invoices show',
        'completion',
      ]),
    );
  });

  it.each(leaves(tree).map((p) => [p.join(' ')]))(
    '`berth %s --help` shows usage and examples, exit 0',
    async (path) => {
      const res = await runBerth([...path.split(' '), '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^Usage: berth ${path}[ |]`));
      expect(res.stdout).toMatch(/\nExamples:\n {2}\$ .*berth /);
    },
  );

  it('no command: the help, on stderr, exit 1; an unknown one: exit 2; --version', async () => {
    const none = await runBerth([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Getting started:');
    const unknown = await runBerth(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    expect((await runBerth(['--version'])).stdout).toBe('9.9.9\n');
    expect((await runBerth(['help', 'ps'])).stdout).toMatch(/^Usage: berth ps /);
  });
});
