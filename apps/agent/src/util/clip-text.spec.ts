import { clipText } from './clip-text';

describe('clipText', () => {
  it('keeps text within the bound as it is', () => {
    expect(clipText('abc', 3)).toBe('abc');
    expect(clipText('', 3)).toBe('');
  });

  it('cuts longer text to the bound exactly, marked where it was cut', () => {
    expect(clipText('abcdef', 5)).toBe('ab...');
    expect(clipText('x'.repeat(5000), 500)).toHaveLength(500);
  });
});
