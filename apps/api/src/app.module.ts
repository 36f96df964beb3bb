import { Module, type ClassProvider, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@berth/db';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthStrategiesService } from './auth/auth-strategies.service';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { IdempotencyInterceptor } from './common/idempotency.interceptor';
import { IdempotencyService } from './common/idempotency.service';
import { RequestFingerprinter } from './common/request-fingerprint';
import { SecretBox } from './common/secret-box';
import { API_CONFIG, type ApiConfig } from './config.provider';
import { ContainerExecService } from './containers/container-exec.service';
import { ContainerLogsService } from './containers/container-logs.service';
import { ContainersController } from './containers/containers.controller';
import { ContainerLifecycleExecutor } from './containers/container-lifecycle.executor';
import { ContainersService } from './containers/containers.service';
import { AgentController } from './control/agent.controller';
import { AgentWorkService } from './control/agent-work.service';
import { ContainerReportsService } from './control/container-reports.service';
import { DataplaneService } from './control/dataplane.service';
import { ControlWorkerService } from './control/control-worker.service';
import { HostReaperService } from './control/host-reaper.service';
import { OperationReconcilerService } from './control/operation-reconciler.service';
import { FloatingIpsController } from './floating-ips/floating-ips.controller';
import { FloatingIpsService } from './floating-ips/floating-ips.service';
import { HealthController } from './health/health.controller';
import { HostsController } from './hosts/hosts.controller';
import { BillingAdminController } from './billing/billing-admin.controller';
import { BillingAdminService } from './billing/billing-admin.service';
import { JoinTokensController } from './hosts/join-tokens.controller';
import { JoinTokensService } from './hosts/join-tokens.service';
import { AgentRedisUsersService } from './hosts/agent-redis-users.service';
import { HostsService } from './hosts/hosts.service';
import { FleetPlacementService } from './hosts/fleet-placement.service';
import { ImagesController } from './images/images.controller';
import { ImagesService } from './images/images.service';
import { MetricsController } from './metrics/metrics.controller';
import { metrics } from './metrics/metrics.registry';
import { StatementCountingLogger } from './metrics/statement-counting.logger';
import { NetworksController } from './networks/networks.controller';
import { NetworksService } from './networks/networks.service';
import { OperationsController } from './operations/operations.controller';
import { OperationsService } from './operations/operations.service';
import { AgentQueuesService } from './queue/agent-queues.service';
import { RegistryCredentialsController } from './registry-credentials/registry-credentials.controller';
import { RegistryCredentialsService } from './registry-credentials/registry-credentials.service';
import { ContainerSecurityGroupsController } from './security-groups/container-security-groups.controller';
import { SecurityGroupsController } from './security-groups/security-groups.controller';
import { SecurityGroupsService } from './security-groups/security-groups.service';
import { TenantsController } from './tenants/tenants.controller';
import { TenantsService } from './tenants/tenants.service';
import { SnapshotsController } from './volumes/snapshots.controller';
import { SnapshotsService } from './volumes/snapshots.service';
import { StorageWorkService } from './control/storage-work.service';
import { OperationClaimService } from './control/operation-claim.service';
import { OperationResultsService } from './control/operation-results.service';
import { VolumesController } from './volumes/volumes.controller';
import { UsageController } from './usage/usage.controller';
import { UsageService } from './usage/usage.service';
import { StripeWebhookController } from './billing/stripe-webhook.controller';
import { StripeWebhookService } from './billing/stripe-webhook.service';
import { VolumesService } from './volumes/volumes.service';
import { QuotasController } from './quotas/quotas.controller';
import { QuotasService } from './quotas/quotas.service';

export interface AppModuleOptions {
  /** The control worker (reaper, reconciler, idempotency sweep on timers); off in the integration tier. */
  readonly backgroundJobs: boolean;
  /**
   * Providers that take the place of the module's own for the same token: the integration tier's
   * recording queue (apps/api/src/testing/in-process-api.ts). Production passes none.
   */
  readonly overrides?: readonly ClassProvider[];
}

@Module({})
export class AppModule {
  /** The whole API, given its parsed configuration (no module reads the environment itself). */
  static forConfig(config: ApiConfig, opts: AppModuleOptions = { backgroundJobs: true }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl),
          // Every statement counted (berth_db_statements_total): benchmarks report statements per launch.
          logger: new StatementCountingLogger((kind) => metrics.dbStatements.inc({ kind })),
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [
        TenantsController,
        ApiKeysController,
        HostsController,
        JoinTokensController,
        BillingAdminController,
        ContainersController,
        ContainerSecurityGroupsController,
        NetworksController,
        SecurityGroupsController,
        FloatingIpsController,
        VolumesController,
        SnapshotsController,
        UsageController,
        QuotasController,
        StripeWebhookController,
        ImagesController,
        RegistryCredentialsController,
        OperationsController,
        AgentController,
        HealthController,
        MetricsController,
      ],
      providers: withOverrides(opts.overrides ?? [], [
        { provide: API_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        // One instance of each, built from the secrets key: every sealed secret and every request
        // fingerprint goes through these.
        {
          provide: SecretBox,
          useFactory: (c: ApiConfig) => new SecretBox(c.secretsKey),
          inject: [API_CONFIG],
        },
        {
          provide: RequestFingerprinter,
          useFactory: (c: ApiConfig) => new RequestFingerprinter(c.secretsKey),
          inject: [API_CONFIG],
        },
        IdempotencyService,
        AuthStrategiesService,
        AgentQueuesService,
        TenantsService,
        ApiKeysService,
        HostsService,
        FleetPlacementService,
        JoinTokensService,
        BillingAdminService,
        AgentRedisUsersService,
        ContainerLifecycleExecutor,
        ContainersService,
        ContainerExecService,
        ContainerLogsService,
        ImagesService,
        VolumesService,
        SnapshotsService,
        StorageWorkService,
        UsageService,
        QuotasService,
        StripeWebhookService,
        RegistryCredentialsService,
        OperationsService,
        NetworksService,
        SecurityGroupsService,
        FloatingIpsService,
        ContainerReportsService,
        DataplaneService,
        AgentWorkService,
        OperationClaimService,
        OperationResultsService,
        HostReaperService,
        OperationReconcilerService,
        ...(opts.backgroundJobs ? [ControlWorkerService] : []),
      ]),
    };
  }
}

/**
 * `providers` with each one that an override names by token replaced by that override: what
 * @nestjs/testing's overrideProvider does, which berth does not depend on.
 */
function withOverrides(overrides: readonly ClassProvider[], providers: Provider[]): Provider[] {
  const replaced = new Set<unknown>(overrides.map((o) => o.provide));
  const tokenOf = (p: Provider): unknown => (typeof p === 'function' ? p : p.provide);
  return [...providers.filter((p) => !replaced.has(tokenOf(p))), ...overrides];
}
