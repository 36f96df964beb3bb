import type { EntityManager } from 'typeorm';
import { isId, type ContainerState, type TenantId } from '@berth/domain';
import type { PageRequest, PageResult } from '../pagination';
import type { ContainerFilter } from './container.repository';

/** A container as its tenant sees it, with its NICs, groups and volumes: one row, as Postgres built it. */
export interface ContainerViewRow {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly command: string[] | null;
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly size: string;
  readonly vcpu: number;
  readonly memoryMib: number;
  readonly diskGib: number;
  readonly restartPolicy: string;
  readonly state: ContainerState;
  readonly exitCode: number | null;
  readonly stateReason: string | null;
  readonly hostId: string | null;
  readonly generation: number;
  /** ISO 8601 in UTC to the millisecond, as Date.toISOString() writes it. */
  readonly createdAt: string;
  readonly stateChangedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** In NIC order (eth0 first). */
  readonly networks: { networkId: string; name: string; ip: string; mac: string }[];
  /** In the order they were attached. */
  readonly securityGroups: string[];
  /** By device slot. */
  readonly volumes: { volumeId: string; name: string; path: string }[];
}

/** A timestamptz as Date.toISOString() writes it (both truncate to the millisecond). */
const iso = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Each container's columns with its NICs, groups and volumes aggregated beside it: a page is one
 * statement that reads a few index entries per container, where the entity, its NICs, its groups and its
 * volumes were four statements (and the NICs' network names a hash join over every network). The rows
 * come out ready to answer: no entity hydration and no date parsing in the API, which were most of a
 * list's CPU there.
 */
const VIEW_COLUMNS = `
  c.id, c.name, c.image, c.command, c.env, c.labels, c.size, c.vcpu,
  c.memory_mib AS "memoryMib", c.disk_gib AS "diskGib", c.restart_policy AS "restartPolicy", c.state,
  c.exit_code AS "exitCode", c.state_reason AS "stateReason", c.host_id AS "hostId", c.generation,
  ${iso('c.created_at')} AS "createdAt", ${iso('c.state_changed_at')} AS "stateChangedAt",
  ${iso('c.started_at')} AS "startedAt", ${iso('c.finished_at')} AS "finishedAt",
  COALESCE((SELECT json_agg(json_build_object('networkId', a.network_id, 'name', n.name, 'ip', a.ip, 'mac', a.mac)
                            ORDER BY a.nic_index)
              FROM ip_allocations a JOIN networks n ON n.id = a.network_id
             WHERE a.container_id = c.id), '[]') AS networks,
  COALESCE((SELECT json_agg(g.group_id ORDER BY g.created_at, g.group_id)
              FROM container_security_groups g
             WHERE g.container_id = c.id), '[]') AS "securityGroups",
  COALESCE((SELECT json_agg(json_build_object('volumeId', v.id, 'name', v.name, 'path', v.mount_path)
                            ORDER BY v.device_index)
              FROM volumes v
             WHERE v.container_id = c.id AND v.mount_path IS NOT NULL), '[]') AS volumes`;

/**
 * What the tenant's reads of containers answer (list and get), read-only. Writes and locks stay with
 * ContainerRepository; the filters here are its filters.
 */
export class ContainerViewRepository {
  constructor(private readonly em: EntityManager) {}

  /** One page in id order, plus whether more follow (the filters of ContainerRepository.list). */
  async page(
    tenantId: TenantId,
    filter: ContainerFilter,
    page: PageRequest,
  ): Promise<PageResult<ContainerViewRow>> {
    const params: unknown[] = [tenantId];
    const where = ['c.tenant_id = $1'];
    const param = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (filter.states && filter.states.length > 0)
      where.push(`c.state = ANY(${param(filter.states)}::text[])`);
    else if (!filter.includeDeleted) where.push(`c.state <> 'deleted'`);
    if (filter.name !== undefined) where.push(`c.name = ${param(filter.name)}`);
    if (filter.labels && Object.keys(filter.labels).length > 0)
      where.push(`c.labels @> ${param(JSON.stringify(filter.labels))}::jsonb`);
    if (page.after !== undefined) where.push(`c.id > ${param(page.after)}`);
    const rows = await this.em.query<ContainerViewRow[]>(
      `SELECT ${VIEW_COLUMNS} FROM containers c WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT ${param(page.limit + 1)}`,
      params,
    );
    return { items: rows.slice(0, page.limit), more: rows.length > page.limit };
  }

  /** By id, or by name when `ref` is not a container id; a deleted one is not found. */
  async one(tenantId: TenantId, ref: string): Promise<ContainerViewRow | null> {
    const rows = await this.em.query<ContainerViewRow[]>(
      `SELECT ${VIEW_COLUMNS} FROM containers c
        WHERE c.tenant_id = $1 AND c.${isId('ctr', ref) ? 'id' : 'name'} = $2 AND c.state <> 'deleted'`,
      [tenantId, ref],
    );
    return rows[0] ?? null;
  }
}
