import { ApiKeyEntity } from './api-key.entity';
import { ContainerEntity } from './container.entity';
import { HostEntity } from './host.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { OperationEntity } from './operation.entity';
import { TenantEntity } from './tenant.entity';

export { ApiKeyEntity, ContainerEntity, HostEntity, IdempotencyKeyEntity, OperationEntity, TenantEntity };

export const ALL_ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  HostEntity,
  ContainerEntity,
  OperationEntity,
  IdempotencyKeyEntity,
];
