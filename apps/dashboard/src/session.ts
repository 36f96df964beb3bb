// The API key lives in sessionStorage only: it goes when the tab closes, never into localStorage, a
// cookie or an address. Storage can be refused (private modes, policies); then nothing is kept.

export const SESSION_KEY = 'berth.apiKey';

type KeyStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function store(): KeyStore | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function loadKey(storage: KeyStore | null = store()): string | null {
  try {
    const key = storage?.getItem(SESSION_KEY) ?? null;
    return key === null || key === '' ? null : key;
  } catch {
    return null;
  }
}

export function saveKey(key: string, storage: KeyStore | null = store()): void {
  try {
    storage?.setItem(SESSION_KEY, key);
  } catch {
    // kept in memory for this page only
  }
}

export function clearKey(storage: KeyStore | null = store()): void {
  try {
    storage?.removeItem(SESSION_KEY);
  } catch {
    // nothing was kept
  }
}
