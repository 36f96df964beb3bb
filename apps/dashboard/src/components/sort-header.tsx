import type { SortDirection, SortState } from '../sort';

interface Props<K extends string> {
  readonly column: K;
  readonly label: string;
  readonly sort: SortState<K>;
  readonly onSort: (column: K) => void;
  readonly numeric?: boolean;
}

/** A column header that sorts by its column; aria-sort tells which column sorts the table, and how. */
export function SortHeader<K extends string>({ column, label, sort, onSort, numeric = false }: Props<K>) {
  const active = sort.key === column;
  const direction: SortDirection | 'none' = active ? sort.direction : 'none';
  return (
    <th scope="col" aria-sort={direction} class={numeric ? 'num' : undefined}>
      <button type="button" class="sort" onClick={() => onSort(column)}>
        {label}
        <span class="sort-mark" aria-hidden="true">
          {direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
}
