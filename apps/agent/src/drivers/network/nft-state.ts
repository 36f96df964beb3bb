import { createHash } from 'node:crypto';
import { NFT_TABLE } from './nft-ruleset';

/** The families berth keeps a table named NFT_TABLE in (see nft-ruleset.ts). */
const BERTH_FAMILIES: ReadonlySet<string> = new Set(['inet', 'bridge']);

/** Keys whose arrays are sets of elements: the kernel may list them in any order, the meaning is the same. */
const UNORDERED_KEYS: ReadonlySet<string> = new Set(['elem', 'set']);

/** One entry of `nft -j list ruleset`: `{ table: {...} }`, `{ chain: {...} }`, `{ rule: {...} }`, `{ metainfo: {...} }`... */
type NftEntry = Record<string, { family?: string; name?: string; table?: string }>;

/**
 * A digest of berth's own tables as the kernel lists them (`nft -j list ruleset`), to tell whether
 * they are still exactly what the agent applied. Handles are left out (the kernel numbers objects
 * anew on every apply) and element lists are sorted; nothing else is, so a flushed table, a deleted
 * chain or set, and any rule added, removed, reordered or changed in berth's tables all change it.
 * Other tables are not part of it: nothing in them can undo berth's drops (a drop is final in
 * nftables, an accept only ends its own base chain), and they belong to whoever made them.
 */
export function berthTablesDigest(listing: string): string {
  const doc = JSON.parse(listing) as { nftables?: NftEntry[] };
  const ours = (doc.nftables ?? []).filter((entry) => {
    const [kind, body] = Object.entries(entry)[0] ?? [];
    if (!kind || !body || kind === 'metainfo') return false;
    const table = kind === 'table' ? body.name : body.table;
    return table === NFT_TABLE && BERTH_FAMILIES.has(body.family ?? '');
  });
  return createHash('sha256')
    .update(JSON.stringify(ours.map((e) => normalised(e))))
    .digest('hex');
}

function normalised(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalised(v));
    if (!UNORDERED_KEYS.has(key)) return items;
    return items
      .map((v) => JSON.stringify(v))
      .sort()
      .map((s) => JSON.parse(s) as unknown);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'handle') out[k] = normalised(v, k);
    return out;
  }
  return value;
}
