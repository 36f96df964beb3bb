import { renderTable } from './table';

describe('renderTable', () => {
  it('aligns columns three spaces apart and leaves no trailing blanks', () => {
    expect(
      renderTable(
        ['ID', 'NAME', 'STATE'],
        [
          ['ctr_1', 'web', 'running'],
          ['ctr_22', 'a', ''],
        ],
      ),
    ).toBe('ID       NAME   STATE\nctr_1    web    running\nctr_22   a\n');
  });

  it('prints the headers alone for no rows', () => {
    expect(renderTable(['ID', 'NAME'], [])).toBe('ID   NAME\n');
  });
});
