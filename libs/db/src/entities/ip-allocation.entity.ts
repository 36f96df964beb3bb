import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, NetworkId } from '@berth/domain';

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

  @Column({ type: 'text' })
  mac!: string;

  /** eth0, eth1, ...: the order the guest sees its NICs in. */
  @Column({ name: 'nic_index', type: 'integer' })
  nicIndex!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
