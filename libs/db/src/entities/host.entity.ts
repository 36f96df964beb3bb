import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HostId, HostState } from '@berth/domain';

@Entity({ name: 'hosts' })
export class HostEntity {
  @PrimaryColumn({ type: 'text' })
  id!: HostId;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  address!: string;

  @Column({ type: 'text' })
  state!: HostState;

  @Column({ name: 'capacity_vcpu', type: 'integer' })
  capacityVcpu!: number;

  @Column({ name: 'capacity_memory_mib', type: 'integer' })
  capacityMemoryMib!: number;

  @Column({ name: 'capacity_disk_gib', type: 'integer' })
  capacityDiskGib!: number;

  /** GiB its volume pool offers (0: it serves no volumes). */
  @Column({ name: 'capacity_volume_gib', type: 'integer' })
  capacityVolumeGib!: number;

  @Column({ type: 'text' })
  driver!: string;

  @Column({ type: 'jsonb' })
  capabilities!: Record<string, unknown>;

  @Column({ name: 'agent_version', type: 'text' })
  agentVersion!: string;

  @Column({ name: 'token_prefix', type: 'text' })
  tokenPrefix!: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /**
   * The hash of the key its agent joined with, until the host first uses its own token (heartbeat or
   * re-registration): a join repeated with that key after a lost answer gets the host back.
   */
  @Column({ name: 'join_key_hash', type: 'text', nullable: true })
  joinKeyHash!: string | null;

  /** How many times the reaper declared the host lost. */
  @Column({ name: 'loss_epoch', type: 'integer', default: 0 })
  lossEpoch!: number;

  /** Up to which loss its agent has resynced (its heartbeats say): while behind, heartbeats answer `resync`. */
  @Column({ name: 'resynced_epoch', type: 'integer', default: 0 })
  resyncedEpoch!: number;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt!: Date;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz' })
  lastHeartbeatAt!: Date;

  /** The agent's own clock at its last heartbeat: where intervals of a lost host are closed. */
  @Column({ name: 'last_heartbeat_host_at', type: 'timestamptz', nullable: true })
  lastHeartbeatHostAt!: Date | null;

  @Column({ name: 'state_changed_at', type: 'timestamptz' })
  stateChangedAt!: Date;

  /** Its VM templates as its last heartbeat reported them (HostTemplateView[], validated by the API). */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  templates!: Record<string, unknown>[];
}
