import { Module, type DynamicModule } from '@nestjs/common';
import type { AgentConfig } from '@berth/config';
import { ApiClientService } from './api-client/api-client.service';
import { AGENT_CONFIG, DRIVER } from './config.provider';
import { createDriver } from './drivers/driver.factory';
import { ContainerJobsProcessor } from './processors/container-jobs.processor';
import { MachineExitsListener } from './processors/machine-exits.listener';
import { EventReporterService } from './reporter/event-reporter.service';
import { HeartbeatService } from './reporter/heartbeat.service';
import { RegistrationService } from './reporter/registration.service';
import { CONTAINER_HOOKS, type ContainerHook } from './runner/container-hook';
import { ContainerRunnerService } from './runner/container-runner.service';
import { ResyncService } from './runner/resync.service';
import { HostIdentityStore } from './state/host-identity.store';

@Module({})
export class AgentModule {
  static forConfig(config: AgentConfig): DynamicModule {
    // Image, volume and network hooks join this list as those parts land; the hollow driver needs none.
    const hooks: ContainerHook[] = [];
    return {
      module: AgentModule,
      providers: [
        { provide: AGENT_CONFIG, useValue: config },
        { provide: DRIVER, useFactory: () => createDriver(config) },
        { provide: CONTAINER_HOOKS, useValue: hooks },
        HostIdentityStore,
        ApiClientService,
        EventReporterService,
        RegistrationService,
        HeartbeatService,
        ContainerRunnerService,
        ResyncService,
        ContainerJobsProcessor,
        MachineExitsListener,
      ],
    };
  }
}
