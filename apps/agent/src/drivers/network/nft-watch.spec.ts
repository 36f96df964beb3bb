import { parseGenerationLine } from './nft-watch';

describe('parseGenerationLine', () => {
  it("reads the generation and the committing process from nft monitor's line", () => {
    expect(parseGenerationLine('# new generation 12 by process 4002 (nft)')).toEqual({
      generation: 12,
      pid: 4002,
    });
    expect(parseGenerationLine('  # new generation 3 by process 77 (firewalld)\r')).toEqual({
      generation: 3,
      pid: 77,
    });
  });

  it('is null for the change lines themselves', () => {
    expect(parseGenerationLine('add chain inet t1 c1')).toBeNull();
    expect(parseGenerationLine('# new generation by process 1 (nft)')).toBeNull();
    expect(parseGenerationLine('')).toBeNull();
  });
});
