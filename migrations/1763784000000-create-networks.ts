import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenant networks with IPAM, security groups and floating IPs (issue 5). */
export class CreateNetworks1763784000000 implements MigrationInterface {
  name = 'CreateNetworks1763784000000';

  async up(q: QueryRunner): Promise<void> {
    // VNIs come from a sequence and are never given out twice: a host that was away while a network was
    // deleted may still carry the old segment, and it must never join another tenant's network. Below
    // 4096 is left for the operator's own segments; 2^24 - 1 is VXLAN's largest.
    await q.query(
      `CREATE SEQUENCE networks_vni_seq AS integer START 4096 MINVALUE 4096 MAXVALUE 16777215 NO CYCLE`,
    );
    await q.query(`
      CREATE TABLE networks (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        cidr text NOT NULL,
        gateway text NOT NULL,
        vni integer NOT NULL DEFAULT nextval('networks_vni_seq') CHECK (vni BETWEEN 1 AND 16777215),
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    await q.query(`ALTER SEQUENCE networks_vni_seq OWNED BY networks.vni`);
    await q.query(`CREATE UNIQUE INDEX networks_vni_uq ON networks (vni)`);
    await q.query(
      `CREATE UNIQUE INDEX networks_tenant_name_uq ON networks (tenant_id, name) WHERE deleted_at IS NULL`,
    );
    await q.query(`CREATE INDEX networks_tenant_id_idx ON networks (tenant_id, id)`);

    await q.query(`
      CREATE TABLE ip_allocations (
        container_id text NOT NULL REFERENCES containers(id),
        network_id text NOT NULL REFERENCES networks(id),
        ip text NOT NULL,
        mac text NOT NULL,
        nic_index integer NOT NULL CHECK (nic_index >= 0),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (container_id, network_id)
      )`);
    // The guarantees IPAM rests on: one address per network, one MAC anywhere, one NIC per slot.
    await q.query(`CREATE UNIQUE INDEX ip_allocations_network_ip_uq ON ip_allocations (network_id, ip)`);
    await q.query(`CREATE UNIQUE INDEX ip_allocations_mac_uq ON ip_allocations (mac)`);
    await q.query(
      `CREATE UNIQUE INDEX ip_allocations_container_nic_uq ON ip_allocations (container_id, nic_index)`,
    );

    await q.query(`
      CREATE TABLE security_groups (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX security_groups_tenant_name_uq ON security_groups (tenant_id, name)`);
    await q.query(`CREATE INDEX security_groups_tenant_id_idx ON security_groups (tenant_id, id)`);

    await q.query(`
      CREATE TABLE security_rules (
        id text PRIMARY KEY,
        group_id text NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
        direction text NOT NULL CHECK (direction IN ('ingress', 'egress')),
        protocol text NOT NULL CHECK (protocol IN ('tcp', 'udp', 'icmp', 'all')),
        port_from integer CHECK (port_from BETWEEN 1 AND 65535),
        port_to integer CHECK (port_to BETWEEN 1 AND 65535),
        cidr text,
        remote_group_id text REFERENCES security_groups(id),
        created_at timestamptz NOT NULL,
        CHECK ((cidr IS NULL) <> (remote_group_id IS NULL)),
        CHECK ((port_from IS NULL) = (port_to IS NULL) AND (port_from IS NULL OR port_from <= port_to)),
        CHECK (port_from IS NULL OR protocol IN ('tcp', 'udp'))
      )`);
    await q.query(`CREATE INDEX security_rules_group_idx ON security_rules (group_id, id)`);
    await q.query(
      `CREATE INDEX security_rules_remote_idx ON security_rules (remote_group_id) WHERE remote_group_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE container_security_groups (
        container_id text NOT NULL REFERENCES containers(id),
        group_id text NOT NULL REFERENCES security_groups(id),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (container_id, group_id)
      )`);
    await q.query(`CREATE INDEX container_security_groups_group_idx ON container_security_groups (group_id)`);

    await q.query(`
      CREATE TABLE floating_ips (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        address text NOT NULL,
        name text,
        container_id text REFERENCES containers(id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        released_at timestamptz,
        CHECK (released_at IS NULL OR container_id IS NULL)
      )`);
    // Released rows stay for billing; only a held address, name or attachment is exclusive.
    await q.query(
      `CREATE UNIQUE INDEX floating_ips_address_uq ON floating_ips (address) WHERE released_at IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX floating_ips_tenant_name_uq ON floating_ips (tenant_id, name)
        WHERE released_at IS NULL AND name IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX floating_ips_container_uq ON floating_ips (container_id)
        WHERE released_at IS NULL AND container_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX floating_ips_tenant_id_idx ON floating_ips (tenant_id, id)`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
