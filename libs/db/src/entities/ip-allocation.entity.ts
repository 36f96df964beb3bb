import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, HostId, NetworkId } from '@berth/domain';

/**
 * One NIC of a container: its address on one network and its MAC. Unique constraints make sure that
 * two concurrent launches never share an address or a MAC; the row goes when the container is deleted.
 */
@Entity({ name: 'ip_allocations' })
export class IpAllocationEntity {
  @PrimaryColumn({ name: 'container_id', type: 'text' })
  containerId!: ContainerId;

  @PrimaryColumn({ name: 'network_id', type: 'text' })
  networkId!: NetworkId;

  @Column({ type: 'text' })
  ip!: string;

  /** The address's NIC slot (libs/domain nicSlotAddress); freed slots go to network_free_slots. */
  @Column({ type: 'integer' })
  slot!: number;

  @Column({ type: 'text' })
  mac!: string;

  /** eth0, eth1, ...: the order the guest sees its NICs in. */
  @Column({ name: 'nic_index', type: 'integer' })
  nicIndex!: number;

  /**
   * The container's host while it is live, null once it is deleted; kept so by triggers on containers,
   * for finding the hosts of a network's live containers.
   */
  @Column({ name: 'live_host_id', type: 'text', nullable: true, insert: false, update: false })
  liveHostId!: HostId | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
