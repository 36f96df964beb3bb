import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { DomainError } from '@berth/domain';

/**
 * The one pagination of berth's lists: keyset pages in id order (ids sort by creation time), read by
 * the repositories through pageBy, and handed to clients as an opaque cursor (the last id seen).
 */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

export interface PageRequest {
  readonly limit: number;
  /** The last id of the previous page. */
  readonly after?: string;
}

export interface PageResult<T> {
  readonly items: T[];
  /** Whether another page follows. */
  readonly more: boolean;
}

/**
 * One page of `qb` by `idColumn` (e.g. 'c.id'): ascending (newest last) or descending (newest first),
 * starting after `page.after`. Reads one row more than the limit to know whether more follow.
 */
export async function pageBy<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  idColumn: string,
  page: PageRequest,
  order: 'ASC' | 'DESC' = 'ASC',
): Promise<PageResult<T>> {
  if (page.after !== undefined) {
    qb.andWhere(`${idColumn} ${order === 'ASC' ? '>' : '<'} :pageAfter`, { pageAfter: page.after });
  }
  const rows = await qb
    .orderBy(idColumn, order)
    .limit(page.limit + 1)
    .getMany();
  return { items: rows.slice(0, page.limit), more: rows.length > page.limit };
}

/** Cursors are opaque to clients: base64url of the last id seen. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

/** The page request a client's cursor continues; a cursor that is not one of ours is a coded 400. */
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

/** A page as the API answers it: its views, and the cursor of the next page (null on the last). */
export function pageOf<T, V>(
  result: PageResult<T>,
  view: (item: T) => V,
  idOf: (item: T) => string,
): { data: V[]; nextCursor: string | null } {
  const last = result.items[result.items.length - 1];
  return {
    data: result.items.map(view),
    nextCursor: result.more && last !== undefined ? encodeCursor(idOf(last)) : null,
  };
}
