import { ApiKeyEntity } from './api-key.entity';
import { ContainerEntity } from './container.entity';
import { ExecEntity } from './exec.entity';
import { HostEntity } from './host.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { ImageEntity } from './image.entity';
import { OperationEntity } from './operation.entity';
import { RegistryCredentialEntity } from './registry-credential.entity';
import { TenantEntity } from './tenant.entity';

export {
  ApiKeyEntity,
  ContainerEntity,
  ExecEntity,
  HostEntity,
  IdempotencyKeyEntity,
  ImageEntity,
  OperationEntity,
  RegistryCredentialEntity,
  TenantEntity,
};
export type { ImageState } from './image.entity';

export const ALL_ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  HostEntity,
  ContainerEntity,
  OperationEntity,
  IdempotencyKeyEntity,
  ImageEntity,
  RegistryCredentialEntity,
  ExecEntity,
];
