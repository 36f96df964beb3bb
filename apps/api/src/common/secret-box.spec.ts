import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('hunter2', 'ten_a|registry.example');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed, 'ten_a|registry.example')).toBe('hunter2');
  });

  it('refuses another context, another key and tampering', () => {
    const sealed = box.seal('hunter2', 'ten_a|r');
    expect(() => box.open(sealed, 'ten_b|r')).toThrow(/cannot be decrypted/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'ten_a|r')).toThrow(/cannot be decrypted/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'ten_a|r')).toThrow(/cannot be decrypted/);
  });
});
