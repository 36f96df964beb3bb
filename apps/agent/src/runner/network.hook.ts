import { Inject, Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ContainerId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { AGENT_CONFIG, NETWORK, type AgentConfig } from '../config.provider';
import type { MachineInterface, MachineSpec } from '../drivers/driver';
import { tapName } from '../drivers/network/device-names';
import { removeStateFile, writeStateFile } from '../drivers/state-files';
import type { LinuxNetworkDriver } from '../drivers/network/linux-network.driver';
import { DataplaneSyncService } from '../reporter/dataplane-sync.service';
import type { ContainerHook, HookContext } from './container-hook';
import { hostsFileFor } from './hosts-file';

/**
 * Wires a container's interfaces before its VM starts: a tap per interface, and the networks' bridges
 * and VXLAN devices on this host (with the peers of the job's claim), all made by one data-plane pass.
 * In this order, so that a tap never carries a frame without its rules: that pass makes the taps down
 * and off their bridges and applies the claim's data plane, whose firewall covers them (the API's data
 * plane lists a container's ports from its creation; a fresher one already applied covers them too),
 * and only then are they joined to their bridges and brought up (connectTap checks the kernel's
 * ruleset first). Remembers the taps, before they are made, so that release can remove them once the
 * container is gone; the data-plane sync removes any it missed.
 */
@Injectable()
export class NetworkHook implements ContainerHook {
  readonly name = 'network';

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(NETWORK) private readonly net: LinuxNetworkDriver,
    private readonly api: ApiClientService,
    private readonly dataplane: DataplaneSyncService,
  ) {}

  async prepare(spec: MachineSpec, ctx: HookContext): Promise<Partial<MachineSpec>> {
    const nics = spec.nics ?? [];
    if (nics.length === 0) return {};
    // The claim carries this host's data plane for work that wires interfaces; read it only if it did not.
    const dp = ctx.dataplane ?? (await this.api.dataplane());
    // The data-plane pass below makes the taps (down, on no bridge) with the networks' bridges, VXLAN
    // devices and flood lists (from the claim's data plane, or from a fresher one it applied already).
    const interfaces: MachineInterface[] = nics.map((nic) => ({
      tap: tapName(spec.id, nic.networkId),
      mac: nic.mac,
      address: nic.ip,
      prefixLength: nic.prefixLength,
      gateway: nic.gateway,
      mtu: nic.mtu,
    }));
    await this.remember(
      spec.id,
      interfaces.map((i) => i.tap),
    );
    await this.dataplane.applyNow(
      dp,
      interfaces.map((i) => ({ tap: i.tap, mtu: i.mtu })),
    );
    for (const [i, nic] of nics.entries()) await this.net.connectTap(interfaces[i]!.tap, nic.vni);
    return {
      interfaces,
      hostsFile: hostsFileFor(
        nics.map((n) => n.networkId),
        dp.networks,
      ),
    };
  }

  async release(id: ContainerId): Promise<void> {
    for (const tap of await this.recall(id)) await this.net.removeTap(tap);
    await removeStateFile(this.file(id));
  }

  private file(id: ContainerId): string {
    return path.join(this.config.stateDir, 'taps', `${id}.json`);
  }

  private async remember(id: ContainerId, taps: string[]): Promise<void> {
    await writeStateFile(this.file(id), JSON.stringify(taps));
  }

  private async recall(id: ContainerId): Promise<string[]> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as string[];
    } catch {
      return [];
    }
  }
}
