import { AgentRedisUserEntity } from './agent-redis-user.entity';
import { ApiKeyEntity } from './api-key.entity';
import { ContainerEntity } from './container.entity';
import { ContainerSecurityGroupEntity } from './container-security-group.entity';
import { ExecEntity } from './exec.entity';
import { FloatingIpEntity } from './floating-ip.entity';
import { HostEntity } from './host.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { ImageEntity } from './image.entity';
import { IpAllocationEntity } from './ip-allocation.entity';
import { JoinTokenEntity } from './join-token.entity';
import { NetworkEntity } from './network.entity';
import { OperationEntity } from './operation.entity';
import { RegistryCredentialEntity } from './registry-credential.entity';
import { SecurityGroupEntity } from './security-group.entity';
import { SecurityRuleEntity } from './security-rule.entity';
import { SnapshotEntity } from './snapshot.entity';
import { TenantEntity } from './tenant.entity';
import { TenantQuotaEntity } from './tenant-quota.entity';
import { UsageIntervalEntity } from './usage-interval.entity';
import { VolumeEntity } from './volume.entity';

export {
  AgentRedisUserEntity,
  ApiKeyEntity,
  ContainerEntity,
  ContainerSecurityGroupEntity,
  ExecEntity,
  FloatingIpEntity,
  HostEntity,
  IdempotencyKeyEntity,
  ImageEntity,
  IpAllocationEntity,
  JoinTokenEntity,
  NetworkEntity,
  OperationEntity,
  RegistryCredentialEntity,
  SecurityGroupEntity,
  SecurityRuleEntity,
  SnapshotEntity,
  TenantEntity,
  TenantQuotaEntity,
  UsageIntervalEntity,
  VolumeEntity,
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
  NetworkEntity,
  IpAllocationEntity,
  SecurityGroupEntity,
  SecurityRuleEntity,
  ContainerSecurityGroupEntity,
  FloatingIpEntity,
  VolumeEntity,
  SnapshotEntity,
  UsageIntervalEntity,
  JoinTokenEntity,
  AgentRedisUserEntity,
  TenantQuotaEntity,
];
