import { DomainError } from '@berth/domain';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/** Cursors are opaque to clients: base64url of the last id seen. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string' && /^[a-z]+_[0-9a-z]{26}$/.test(parsed.after)) return parsed.after;
  } catch {
    // fall through to the coded error
  }
  throw new DomainError(
    'request/invalid',
    'cursor is not valid: pass the nextCursor of a previous page unchanged',
  );
}

export function pageOf<T, V>(
  result: { items: T[]; more: boolean },
  view: (item: T) => V,
  idOf: (item: T) => string,
): { data: V[]; nextCursor: string | null } {
  const last = result.items[result.items.length - 1];
  return {
    data: result.items.map(view),
    nextCursor: result.more && last !== undefined ? encodeCursor(idOf(last)) : null,
  };
}
