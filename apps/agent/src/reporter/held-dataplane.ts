import type { AgentDataplane, AgentFloatingIp, AgentNetwork, AgentPort } from '@berth/contracts';

interface NetworkPart {
  readonly at: number;
  readonly network: AgentNetwork;
}

/** A container's ports and floating IPs; both empty is a tombstone (gone as of `at`). */
interface ContainerPart {
  readonly at: number;
  readonly ports: readonly AgentPort[];
  readonly floatingIps: readonly AgentFloatingIp[];
}

/**
 * The data plane this host holds, merged from the API's readings part by part: each network, and each
 * container's ports and floating IPs, is as the newest reading that covered it says. A full reading
 * (the periodic and nudged passes) covers everything: a part it lacks is gone as of its date. A scoped
 * reading (a claim's: its container and that container's networks, issue 15) covers only those, so a
 * claim costs the API the same whatever else runs on the host.
 *
 * Why per part and not one date for the whole: a claim reads in its own snapshot and is applied a
 * little later, so a full reading taken in between may be applied first; and a full reading taken
 * before a claim's may arrive after it. Either way the older reading of a part must not undo the newer
 * one (a revoked rule put back, a fresh tap's rules removed), while its other parts still count.
 */
export class HeldDataplane {
  private hostId = '';
  /** The newest full reading taken: it covered every part, so nothing older than it can be taken. */
  private fullAt = Number.NEGATIVE_INFINITY;
  private newestAt = Number.NEGATIVE_INFINITY;
  private readonly networks = new Map<string, NetworkPart>();
  private readonly containers = new Map<string, ContainerPart>();
  private fullSeen = false;

  /**
   * Whether a full reading has been merged: until then the view holds only what claims brought, and
   * converging the host to it would tear down every other container's taps and rules.
   */
  get coversHost(): boolean {
    return this.fullSeen;
  }

  /**
   * Merges a reading. Answers whether any of it was taken (then the host should converge to `view()`);
   * false when everything it covers is held from a newer reading. A date that cannot be read counts
   * as the oldest possible: such a reading only fills parts nothing covered yet.
   */
  merge(dp: AgentDataplane): boolean {
    const parsed = Date.parse(dp.readAt);
    const at = Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
    if (at < this.fullAt) return false;
    this.hostId = dp.hostId;
    if (at > this.newestAt) this.newestAt = at;
    let taken = false;

    for (const network of dp.networks) {
      if ((this.networks.get(network.id)?.at ?? Number.NEGATIVE_INFINITY) > at) continue;
      this.networks.set(network.id, { at, network });
      taken = true;
    }

    const portsOf = new Map<string, AgentPort[]>();
    for (const p of dp.ports) portsOf.set(p.containerId, [...(portsOf.get(p.containerId) ?? []), p]);
    const fipsOf = new Map<string, AgentFloatingIp[]>();
    for (const f of dp.floatingIps) fipsOf.set(f.containerId, [...(fipsOf.get(f.containerId) ?? []), f]);
    const covered = dp.scope ? dp.scope.containerIds : [...new Set([...portsOf.keys(), ...fipsOf.keys()])];
    for (const id of covered) {
      if ((this.containers.get(id)?.at ?? Number.NEGATIVE_INFINITY) > at) continue;
      this.containers.set(id, { at, ports: portsOf.get(id) ?? [], floatingIps: fipsOf.get(id) ?? [] });
      taken = true;
    }

    if (!dp.scope) {
      // Whatever this full reading lacks is gone as of its date, unless a newer scoped reading says
      // otherwise; tombstones older than it are no longer needed (fullAt now guards those parts).
      const networkIds = new Set(dp.networks.map((n) => n.id));
      for (const [id, part] of this.networks)
        if (part.at < at && !networkIds.has(id)) this.networks.delete(id);
      const containerIds = new Set(covered);
      for (const [id, part] of this.containers) {
        const tombstone = part.ports.length === 0 && part.floatingIps.length === 0;
        if ((part.at < at && !containerIds.has(id)) || (tombstone && part.at <= at))
          this.containers.delete(id);
      }
      this.fullAt = at;
      this.fullSeen = true;
      // A full reading is taken even when it holds nothing: the host converges to empty.
      taken = true;
    }
    return taken;
  }

  /** The data plane to converge to: every part held, in the API's order (networks and ports by id). */
  view(): AgentDataplane {
    const byId = <T>(m: Map<string, T>): T[] =>
      [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    const containers = byId(this.containers);
    return {
      hostId: this.hostId,
      readAt: Number.isFinite(this.newestAt)
        ? new Date(this.newestAt).toISOString()
        : new Date(0).toISOString(),
      networks: byId(this.networks).map((p) => p.network),
      ports: containers.flatMap((c) => c.ports),
      floatingIps: containers
        .flatMap((c) => c.floatingIps)
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
    };
  }
}
