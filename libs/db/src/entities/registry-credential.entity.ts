import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@berth/domain';

/** A tenant's login for one registry; the secret is stored encrypted (AES-256-GCM), never in clear. */
@Entity({ name: 'registry_credentials' })
export class RegistryCredentialEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @PrimaryColumn({ type: 'text' })
  registry!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
