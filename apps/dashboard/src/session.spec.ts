import { describe, expect, it } from '@jest/globals';
import { clearKey, loadKey, saveKey, SESSION_KEY } from './session';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

describe('session', () => {
  it('keeps the key under berth.apiKey and forgets it on sign-out', () => {
    const s = memoryStorage();
    expect(loadKey(s)).toBeNull();
    saveKey('sk_1', s);
    expect(s.items.get(SESSION_KEY)).toBe('sk_1');
    expect(SESSION_KEY).toBe('berth.apiKey');
    expect(loadKey(s)).toBe('sk_1');
    clearKey(s);
    expect(loadKey(s)).toBeNull();
  });

  it('survives storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadKey(broken)).toBeNull();
    expect(() => saveKey('k', broken)).not.toThrow();
    expect(() => clearKey(broken)).not.toThrow();
    expect(loadKey(null)).toBeNull();
  });
});
