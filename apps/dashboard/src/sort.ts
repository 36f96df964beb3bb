// Sorting table rows by a column: numbers by value, text as people sort it (case-insensitive, "c2"
// before "c10"), empty values last in either direction, ties in their original order.

export type SortDirection = 'ascending' | 'descending';
export type SortValue = string | number | null;

export interface SortState<K extends string> {
  readonly key: K;
  readonly direction: SortDirection;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function compareValues(a: SortValue, b: SortValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** A new array of `rows` sorted by the column `key`, read by `columns[key]`. */
export function sortRows<T, K extends string>(
  rows: readonly T[],
  columns: Readonly<Record<K, (row: T) => SortValue>>,
  sort: SortState<K>,
): T[] {
  const read = columns[sort.key];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: read(row) }))
    .sort((a, b) => {
      if (a.value === null || b.value === null) {
        const nulls = compareValues(a.value, b.value);
        return nulls !== 0 ? nulls : a.index - b.index;
      }
      return sign * compareValues(a.value, b.value) || a.index - b.index;
    })
    .map((r) => r.row);
}

/**
 * The sort after a click on column `key`: the other direction when it is already the sort column,
 * else the column's first direction (amounts and counts read best largest first).
 */
export function nextSort<K extends string>(
  current: SortState<K>,
  key: K,
  firstDirection: SortDirection = 'ascending',
): SortState<K> {
  if (current.key !== key) return { key, direction: firstDirection };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}
