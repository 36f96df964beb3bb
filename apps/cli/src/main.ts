#!/usr/bin/env node
// The `berth` executable: wires the real terminal, environment, config file and HTTP client into
// runCli, turns Ctrl-C into an abort of what the CLI waits on, and exits with the command's code.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeRateLimitWait, HttpApiClient } from './api/http-api-client';
import { runCli } from './cli';
import { readCliEnv } from './config/cli-env';
import { ConfigStore } from './config/config-store';
import { TerminalOutput } from './output/output';
import { TerminalInput } from './util/input';
import { cliVersion } from './util/version';

async function main(): Promise<void> {
  const env = readCliEnv();
  const version = cliVersion();
  const interrupt = new AbortController();
  // Every request in flight listens on this signal (`rm a b c` waits on several at once). Not 0 for
  // "unlimited": Node 20's getMaxListeners() then throws, and undici calls it.
  setMaxListeners(1500, interrupt.signal);
  process.on('SIGINT', () => {
    // First Ctrl-C: stop waiting and say how to follow what goes on. Second: leave at once.
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  });
  // `berth logs -f web | head -3`: a reader that leaves early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  const out = new TerminalOutput(process.stdout, process.stderr, env.plain);
  const code = await runCli(process.argv.slice(2), {
    out,
    input: new TerminalInput(process.stdin, process.stderr),
    env,
    store: new ConfigStore(env.configDir),
    connect: (url, token) =>
      new HttpApiClient({
        baseUrl: url,
        token,
        signal: interrupt.signal,
        userAgent: `berth-cli/${version}`,
        onRateLimited: (wait) => out.err(`${describeRateLimitWait(wait)}\n`),
      }),
    now: () => new Date(),
    sleep: (ms) => sleep(ms, undefined, { signal: interrupt.signal }),
    version,
  });
  // Exit once stdout and stderr have flushed (a pipe may still hold output), not before.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

void main();
