import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AgentDataplane } from '@berth/contracts';
import type { ContainerId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { AGENT_CONFIG, DRIVER, NETWORK, type AgentConfig } from '../config.provider';
import type { Driver } from '../drivers/driver';
import { tapName } from '../drivers/network/device-names';
import type { LinuxNetworkDriver, TapWanted } from '../drivers/network/linux-network.driver';
import { renderRuleset } from '../drivers/network/nft-ruleset';
import { hostsFileFor } from '../runner/hosts-file';
import { HeldDataplane } from './held-dataplane';

/**
 * Makes the host's data plane what the API says it should be: networks (bridges, VXLAN flood lists),
 * taps, the firewall (one atomic nft ruleset), floating IP addresses, and each running guest's
 * /etc/hosts. Runs every few seconds, when the API nudges the host (`host.sync`), and with the data
 * plane of a job's claim; each pass converges from whatever is there, so a missed nudge or a crash
 * only delays.
 */
@Injectable()
export class DataplaneSyncService {
  private readonly log = new Logger(DataplaneSyncService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Every pass runs after the one before it, never two at once (polls, nudges and claims alike). */
  private tail: Promise<void> = Promise.resolve();
  /** Every reading merged part by part (a claim's covers only its container and networks). */
  private readonly held = new HeldDataplane();
  private readonly lastHosts = new Map<ContainerId, string>();

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(NETWORK) private readonly net: LinuxNetworkDriver,
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
  ) {}

  async start(): Promise<void> {
    await this.net.init();
    await this.syncNow().catch((err: unknown) =>
      this.log.warn(`first data-plane sync failed: ${String(err)}`),
    );
    this.timer = setInterval(() => {
      this.syncNow().catch((err: unknown) => this.log.warn(`data-plane sync failed: ${String(err)}`));
    }, this.config.network.syncIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.tail;
    await this.net.close();
  }

  /**
   * One pass that reads the API's data plane; a request during a pass runs one more pass after it. So
   * once the promise resolves, a pass that read the API's data plane after the call has been applied.
   */
  syncNow(): Promise<void> {
    // The hollow simulation has no data plane: it must never touch the machine's real network.
    if (this.config.driver === 'hollow') return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          // A full pass: reads every piece of the kernel's state it converges.
          await this.serialized(async () => this.applyUnlessOlder(await this.api.dataplane(), [], false));
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * One pass with a data plane the caller already holds (a job's claim read its container's part in
   * the same snapshot as the container's spec), so that the network hook needs no second read. Merged
   * into the held data plane part by part; skipped when readings the API took later have been applied
   * already for everything it covers. Makes the taps in `make` too (down, on no bridge), in the same
   * run as the links it changes, or alone when the pass is skipped. Trusts the flood lists it saw last
   * (a launch's pass spares that read; the periodic passes read them).
   */
  applyNow(dp: AgentDataplane, make: readonly TapWanted[] = []): Promise<void> {
    if (this.config.driver === 'hollow') return Promise.resolve();
    return this.serialized(() => this.applyUnlessOlder(dp, make, true));
  }

  private serialized(pass: () => Promise<void>): Promise<void> {
    const run = this.tail.then(pass);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async applyUnlessOlder(
    dp: AgentDataplane,
    make: readonly TapWanted[],
    trustFlood: boolean,
  ): Promise<void> {
    // A claim's part alone is not the host: after a restart whose first pass failed, read the whole
    // first, or the pass would remove every other container's taps and rules.
    if (dp.scope && !this.held.coversHost) this.held.merge(await this.api.dataplane());
    if (!this.held.merge(dp)) {
      if (make.length > 0) await this.net.prepareTaps(make);
      return;
    }
    await this.apply(this.held.view(), make, trustFlood);
  }

  private async apply(dp: AgentDataplane, make: readonly TapWanted[], trustFlood: boolean): Promise<void> {
    // Networks, flood lists and taps from one read each of the links and the FDB (the network hook
    // leaves a starting container's taps and networks to this pass).
    const taps = new Set(dp.ports.map((p) => tapName(p.containerId, p.networkId)));
    await this.net.convergeLinks(dp.networks, taps, { make, trustFlood });

    // Judged from the kernel's state every pass, not from what was sent: a flushed or edited ruleset
    // is put back within one sync interval.
    await this.net.convergeFirewall(renderRuleset(dp, this.net.publicIface));
    await this.net.setFloatingAddresses(dp.floatingIps.map((f) => f.address));

    // Keep each running guest's /etc/hosts in step with its networks' members.
    const byContainer = new Map<ContainerId, string[]>();
    for (const p of dp.ports)
      byContainer.set(p.containerId as ContainerId, [
        ...(byContainer.get(p.containerId as ContainerId) ?? []),
        p.networkId,
      ]);
    for (const [id, networkIds] of byContainer) {
      const hosts = hostsFileFor(networkIds, dp.networks);
      if (this.lastHosts.get(id) === hosts) continue;
      if ((await this.driver.status(id)).state !== 'running') continue;
      try {
        await this.driver.writeFile(id, '/etc/hosts', hosts);
        this.lastHosts.set(id, hosts);
      } catch (err) {
        // One slow guest must not fail the pass (a starting container waits on it); the next pass retries.
        this.log.warn(`${id}: could not write /etc/hosts: ${String(err)}`);
      }
    }
    for (const id of this.lastHosts.keys()) if (!byContainer.has(id)) this.lastHosts.delete(id);
  }
}
