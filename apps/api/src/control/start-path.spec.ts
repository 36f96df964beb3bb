import { startPathMessage } from './start-path';

describe('startPathMessage: what a tenant reads of how their container started', () => {
  it('says each path', () => {
    expect(startPathMessage({ path: 'template', template: 'k1' })).toBe('started from a VM template');
    expect(startPathMessage({ path: 'cold' })).toBe('booted cold');
    expect(startPathMessage({ path: 'cold', template: 'k1', fallback: 'restore timed out' })).toBe(
      'booted cold: template k1 did not restore',
    );
    expect(startPathMessage({ path: 'simulated' })).toMatch(/^simulated start/);
  });
});
