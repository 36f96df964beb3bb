// Restart policies, with Docker's spelling (`--restart no|always|on-failure[:N]`) since tenants
// bring Docker habits and the docker-compatible facade passes the text through unchanged.
// `unless-stopped` is not accepted: the agent only ever restarts a process that exited on its
// own, never one the tenant stopped, so here it would mean the same as `always`.
import { DomainError } from './errors';

export type RestartPolicy =
  { name: 'no' } | { name: 'always' } | { name: 'on-failure'; maxRetries: number | null };

export const MAX_RESTART_RETRIES = 1000;

// Leading zeros are refused so that formatRestartPolicy(parseRestartPolicy(s)) === s.
const ON_FAILURE_WITH_COUNT = /^on-failure:([1-9][0-9]{0,3})$/;

function invalid(text: string, why: string): DomainError {
  return new DomainError('request/invalid', `restart policy "${text}" is not valid: ${why}`, {
    field: 'restartPolicy',
    value: text,
  });
}

/**
 * Parses `no`, `always`, `on-failure` (retry forever) or `on-failure:N` (N from 1 to 1000).
 * Throws DomainError('request/invalid') for anything else.
 */
export function parseRestartPolicy(text: string): RestartPolicy {
  if (text === 'no') return { name: 'no' };
  if (text === 'always') return { name: 'always' };
  if (text === 'on-failure') return { name: 'on-failure', maxRetries: null };
  const match = ON_FAILURE_WITH_COUNT.exec(text);
  if (match !== null) {
    const retries = Number(match[1]);
    if (retries <= MAX_RESTART_RETRIES) return { name: 'on-failure', maxRetries: retries };
    throw invalid(text, `the retry count must be from 1 to ${MAX_RESTART_RETRIES}`);
  }
  if (text.startsWith('on-failure:')) {
    throw invalid(text, `the retry count must be a whole number from 1 to ${MAX_RESTART_RETRIES}`);
  }
  throw invalid(text, 'use no, always, on-failure or on-failure:N');
}

/** The text form parseRestartPolicy accepts; the two are inverses. */
export function formatRestartPolicy(p: RestartPolicy): string {
  switch (p.name) {
    case 'no':
    case 'always':
      return p.name;
    case 'on-failure':
      return p.maxRetries === null ? 'on-failure' : `on-failure:${p.maxRetries}`;
  }
}

/**
 * Whether the agent should start the container again after it exited with `exitCode`, having
 * restarted it `restartsSoFar` times already. A container the tenant stopped is never asked
 * about: that exit is not the process's doing.
 */
export function shouldRestart(policy: RestartPolicy, exitCode: number, restartsSoFar: number): boolean {
  switch (policy.name) {
    case 'always':
      return true;
    case 'no':
      return false;
    case 'on-failure':
      return exitCode !== 0 && (policy.maxRetries === null || restartsSoFar < policy.maxRetries);
  }
}
