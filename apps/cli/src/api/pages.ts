import type { Page } from '@berth/contracts';
import type { Api, Query } from './api';

/** Enough for any tenant a person would list in a terminal; stops a runaway loop all the same. */
const MAX_PAGES = 100;

/** Every item of a paginated list, following `nextCursor` with the largest page the API allows. */
export async function listAll<T>(api: Api, path: string, query: Query = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await api.get<Page<T>>(path, { ...query, limit: 200, cursor });
    items.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return items;
}
