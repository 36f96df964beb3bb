import { berthTablesDigest } from './nft-state';

type Entry = Record<string, Record<string, unknown>>;

const listing = (entries: Entry[]) =>
  JSON.stringify({ nftables: [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }, ...entries] });

const drop = (chain: string, handle: number, iif: string): Entry => ({
  rule: {
    family: 'inet',
    table: 'berth',
    chain,
    handle,
    expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: iif } }, { drop: null }],
  },
});

/** berth's tables as `nft -j list ruleset` shows them, with handles numbered from `h`. */
function berth(h: number, taps: string[]): Entry[] {
  return [
    { table: { family: 'inet', name: 'berth', handle: h } },
    {
      chain: {
        family: 'inet',
        table: 'berth',
        name: 'input',
        handle: h + 1,
        type: 'filter',
        hook: 'input',
        prio: 0,
        policy: 'accept',
      },
    },
    drop('input', h + 2, 'bn4096'),
    { table: { family: 'bridge', name: 'berth', handle: h + 3 } },
    {
      set: {
        family: 'bridge',
        table: 'berth',
        name: 'ready_taps',
        type: 'ifname',
        handle: h + 4,
        elem: taps,
      },
    },
  ];
}

describe('berthTablesDigest', () => {
  const base = berthTablesDigest(listing(berth(1, ['tpaaaaaaaaaaa', 'tpbbbbbbbbbbb'])));

  it('is the same for the same tables whatever the handles and the order of set elements', () => {
    expect(berthTablesDigest(listing(berth(40, ['tpbbbbbbbbbbb', 'tpaaaaaaaaaaa'])))).toBe(base);
  });

  it("ignores other tables: nothing in them can undo berth's drops", () => {
    const rogue: Entry[] = [
      { table: { family: 'inet', name: 'rogue', handle: 9 } },
      {
        chain: {
          family: 'inet',
          table: 'rogue',
          name: 'fwd',
          handle: 1,
          type: 'filter',
          hook: 'forward',
          prio: -1000,
          policy: 'accept',
        },
      },
      { rule: { family: 'inet', table: 'rogue', chain: 'fwd', handle: 2, expr: [{ accept: null }] } },
      { table: { family: 'ip', name: 'berth', handle: 10 } },
    ];
    expect(berthTablesDigest(listing([...berth(1, ['tpaaaaaaaaaaa', 'tpbbbbbbbbbbb']), ...rogue]))).toBe(
      base,
    );
  });

  it('changes when berth’s tables are gone, lose a chain, gain or lose a rule, or another tap is ready', () => {
    const tables = berth(1, ['tpaaaaaaaaaaa', 'tpbbbbbbbbbbb']);
    const variants = [
      [],
      tables.filter((e) => !e.chain),
      [
        ...tables,
        { rule: { family: 'inet', table: 'berth', chain: 'input', handle: 99, expr: [{ accept: null }] } },
      ],
      [...tables.slice(0, 2), drop('input', 7, 'bn4096'), drop('input', 8, 'bn4097'), ...tables.slice(3)],
      tables.filter((e) => !e.rule),
      berth(1, ['tpaaaaaaaaaaa', 'tpbbbbbbbbbbb', 'tpccccccccccc']),
    ];
    const digests = variants.map((v) => berthTablesDigest(listing(v)));
    for (const d of digests) expect(d).not.toBe(base);
    expect(new Set(digests).size).toBe(variants.length);
  });
});
