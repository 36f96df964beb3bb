import { DomainError } from './errors';
import {
  MAX_RESTART_RETRIES,
  formatRestartPolicy,
  parseRestartPolicy,
  shouldRestart,
  type RestartPolicy,
} from './restart-policy';

describe('parseRestartPolicy', () => {
  it.each<[string, RestartPolicy]>([
    ['no', { name: 'no' }],
    ['always', { name: 'always' }],
    ['on-failure', { name: 'on-failure', maxRetries: null }],
    ['on-failure:1', { name: 'on-failure', maxRetries: 1 }],
    ['on-failure:5', { name: 'on-failure', maxRetries: 5 }],
    ['on-failure:10', { name: 'on-failure', maxRetries: 10 }],
    ['on-failure:999', { name: 'on-failure', maxRetries: 999 }],
    ['on-failure:1000', { name: 'on-failure', maxRetries: 1000 }],
  ])('parses %p', (text, policy) => {
    expect(parseRestartPolicy(text)).toEqual(policy);
  });

  it.each([
    ['', 'use no, always, on-failure or on-failure:N'],
    ['NO', 'use no, always, on-failure or on-failure:N'],
    ['Always', 'use no, always, on-failure or on-failure:N'],
    ['unless-stopped', 'use no, always, on-failure or on-failure:N'],
    ['never', 'use no, always, on-failure or on-failure:N'],
    [' no', 'use no, always, on-failure or on-failure:N'],
    ['always ', 'use no, always, on-failure or on-failure:N'],
    ['on-failure-3', 'use no, always, on-failure or on-failure:N'],
    ['on_failure:3', 'use no, always, on-failure or on-failure:N'],
    ['on-failure:', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:0', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:-1', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:1.5', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:1e3', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:007', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure: 3', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:3 ', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:abc', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:0x10', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:1001', 'the retry count must be from 1 to 1000'],
    ['on-failure:9999', 'the retry count must be from 1 to 1000'],
    ['on-failure:99999', 'the retry count must be a whole number from 1 to 1000'],
    ['on-failure:3:4', 'the retry count must be a whole number from 1 to 1000'],
  ])('refuses %p with a clear message', (text, why) => {
    let caught: unknown;
    try {
      parseRestartPolicy(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const err = caught as DomainError;
    expect(err.code).toBe('request/invalid');
    expect(err.status).toBe(400);
    expect(err.message).toBe(`restart policy "${text}" is not valid: ${why}`);
    expect(err.details).toEqual({ field: 'restartPolicy', value: text });
  });

  it('caps retries at MAX_RESTART_RETRIES', () => {
    expect(MAX_RESTART_RETRIES).toBe(1000);
  });
});

describe('formatRestartPolicy', () => {
  it.each<[RestartPolicy, string]>([
    [{ name: 'no' }, 'no'],
    [{ name: 'always' }, 'always'],
    [{ name: 'on-failure', maxRetries: null }, 'on-failure'],
    [{ name: 'on-failure', maxRetries: 3 }, 'on-failure:3'],
  ])('formats %j as %p', (policy, text) => {
    expect(formatRestartPolicy(policy)).toBe(text);
  });

  it('is the inverse of parseRestartPolicy for every accepted text', () => {
    const texts = ['no', 'always', 'on-failure'];
    for (let n = 1; n <= MAX_RESTART_RETRIES; n++) texts.push(`on-failure:${n}`);
    for (const text of texts) {
      const policy = parseRestartPolicy(text);
      expect(formatRestartPolicy(policy)).toBe(text);
      expect(parseRestartPolicy(formatRestartPolicy(policy))).toEqual(policy);
    }
  });
});

describe('shouldRestart', () => {
  const no: RestartPolicy = { name: 'no' };
  const always: RestartPolicy = { name: 'always' };
  const forever: RestartPolicy = { name: 'on-failure', maxRetries: null };
  const three: RestartPolicy = { name: 'on-failure', maxRetries: 3 };

  it.each<[string, RestartPolicy, number, number, boolean]>([
    ['no, clean exit', no, 0, 0, false],
    ['no, crash', no, 1, 0, false],
    ['always, clean exit', always, 0, 0, true],
    ['always, crash', always, 137, 0, true],
    ['always, after many restarts', always, 1, 1_000_000, true],
    ['on-failure, clean exit', forever, 0, 0, false],
    ['on-failure, crash', forever, 1, 0, true],
    ['on-failure, negative exit code', forever, -1, 0, true],
    ['on-failure, crash after many restarts', forever, 2, 1_000_000, true],
    ['on-failure:3, clean exit', three, 0, 0, false],
    ['on-failure:3, first crash', three, 1, 0, true],
    ['on-failure:3, third crash', three, 1, 2, true],
    ['on-failure:3, fourth crash', three, 1, 3, false],
    ['on-failure:3, long past the limit', three, 1, 50, false],
    ['on-failure:3, clean exit after restarts', three, 0, 2, false],
  ])('%s -> %p', (_case, policy, exitCode, restarts, expected) => {
    expect(shouldRestart(policy, exitCode, restarts)).toBe(expected);
  });

  it('on-failure:N restarts exactly N times in a row of crashes', () => {
    for (const n of [1, 2, 5, 1000]) {
      const policy = parseRestartPolicy(`on-failure:${n}`);
      let restarts = 0;
      while (shouldRestart(policy, 1, restarts)) restarts++;
      expect(restarts).toBe(n);
    }
  });
});
