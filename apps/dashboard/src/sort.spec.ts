import { describe, expect, it } from '@jest/globals';
import { compareValues, nextSort, sortRows, type SortValue } from './sort';

interface Row {
  readonly name: string;
  readonly type: string | null;
  readonly amount: number;
}

const rows: Row[] = [
  { name: 'web-10', type: 'container', amount: 300 },
  { name: 'Web-2', type: null, amount: 100 },
  { name: 'db', type: 'volume', amount: 300 },
  { name: 'cache', type: 'container', amount: 50 },
];

const columns: Record<'name' | 'type' | 'amount', (r: Row) => SortValue> = {
  name: (r) => r.name,
  type: (r) => r.type,
  amount: (r) => r.amount,
};

const names = (list: Row[]) => list.map((r) => r.name);

describe('sortRows', () => {
  it('sorts text as people do: case-insensitive, numbers by value', () => {
    expect(names(sortRows(rows, columns, { key: 'name', direction: 'ascending' }))).toEqual([
      'cache',
      'db',
      'Web-2',
      'web-10',
    ]);
    expect(names(sortRows(rows, columns, { key: 'name', direction: 'descending' }))).toEqual([
      'web-10',
      'Web-2',
      'db',
      'cache',
    ]);
  });

  it('sorts numbers by value, ties in their original order', () => {
    expect(names(sortRows(rows, columns, { key: 'amount', direction: 'descending' }))).toEqual([
      'web-10',
      'db',
      'Web-2',
      'cache',
    ]);
    expect(names(sortRows(rows, columns, { key: 'amount', direction: 'ascending' }))).toEqual([
      'cache',
      'Web-2',
      'web-10',
      'db',
    ]);
  });

  it('puts empty values last either way', () => {
    expect(names(sortRows(rows, columns, { key: 'type', direction: 'ascending' })).at(-1)).toBe('Web-2');
    expect(names(sortRows(rows, columns, { key: 'type', direction: 'descending' })).at(-1)).toBe('Web-2');
  });

  it('leaves the input alone', () => {
    const before = names(rows);
    sortRows(rows, columns, { key: 'amount', direction: 'ascending' });
    expect(names(rows)).toEqual(before);
  });
});

describe('compareValues and nextSort', () => {
  it('compares', () => {
    expect(compareValues(2, 10)).toBeLessThan(0);
    expect(compareValues('a2', 'a10')).toBeLessThan(0);
    expect(compareValues(null, 'a')).toBeGreaterThan(0);
    expect(compareValues(null, null)).toBe(0);
  });

  it('a click on the sort column turns it round; on another starts with its first direction', () => {
    const byName = { key: 'name', direction: 'ascending' } as const;
    expect(nextSort(byName, 'name')).toEqual({ key: 'name', direction: 'descending' });
    expect(nextSort({ key: 'name', direction: 'descending' }, 'name')).toEqual(byName);
    expect(nextSort<'name' | 'amount'>(byName, 'amount', 'descending')).toEqual({
      key: 'amount',
      direction: 'descending',
    });
  });
});
