import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { AgentConfig } from '@berth/config';
import { ApiClientService } from './api-client/api-client.service';
import { AGENT_CONFIG, DRIVER, IMAGE_STORE, NETWORK, VOLUME_BACKEND } from './config.provider';
import { HostLocalVolumeBackend } from './drivers/volumes/host-local.backend';
import { StorageJobsService } from './volumes/storage-jobs.service';
import { VolumeHook } from './runner/volume.hook';
import { LinuxNetworkDriver } from './drivers/network/linux-network.driver';
import { DataplaneSyncService } from './reporter/dataplane-sync.service';
import { NetworkHook } from './runner/network.hook';
import { guardedFetch, ImageStore, RegistryAddressPolicy } from './drivers/images';
import { LogShipperService } from './reporter/log-shipper.service';
import { ImageHook } from './runner/image.hook';
import { ImagePullService } from './runner/image-pull.service';
import { createDriver } from './drivers/driver.factory';
import { ContainerJobsProcessor } from './processors/container-jobs.processor';
import { MachineExitsListener } from './processors/machine-exits.listener';
import { EventReporterService } from './reporter/event-reporter.service';
import { ReportGate } from './reporter/report-gate';
import { HeartbeatService } from './reporter/heartbeat.service';
import { RegistrationService } from './reporter/registration.service';
import { CONTAINER_HOOKS, type ContainerHook } from './runner/container-hook';
import { ContainerRunnerService } from './runner/container-runner.service';
import { ResyncService } from './runner/resync.service';
import { HostIdentityStore } from './state/host-identity.store';
import { AgentRedis } from './state/agent-redis';
import { RedisLoginStore } from './state/redis-login.store';
import { RestartCountStore } from './state/restart-count.store';
import { VouchStore } from './state/vouch.store';

@Module({})
export class AgentModule {
  static forConfig(config: AgentConfig): DynamicModule {
    // Registry traffic connects only to addresses the operator allows (SSRF: the tenant picks the image).
    const imageStore = new ImageStore(config.imageCacheDir, {
      fetch: guardedFetch(new RegistryAddressPolicy(config.registryAllowCidrs)),
    });
    return {
      module: AgentModule,
      providers: [
        { provide: AGENT_CONFIG, useValue: config },
        { provide: DRIVER, useFactory: () => createDriver(config, (m) => new Logger('driver').log(m)) },
        { provide: IMAGE_STORE, useValue: imageStore },
        {
          provide: VOLUME_BACKEND,
          useValue: new HostLocalVolumeBackend({
            dir: config.volumes.dir,
            capacityGib: config.volumes.capacityGib,
          }),
        },
        {
          provide: NETWORK,
          useFactory: () =>
            new LinuxNetworkDriver({
              netns: config.network.netns,
              localAddress: config.host.address,
              underlayIface: config.network.underlayIface,
              publicIface: config.network.publicIface,
              log: (m) => new Logger('network').log(m),
            }),
        },
        ImageHook,
        VolumeHook,
        NetworkHook,
        {
          // In order: image, then volumes, then network. The hollow simulation needs none (its hosts
          // still keep real volume files: storage jobs run on every driver).
          provide: CONTAINER_HOOKS,
          useFactory: (image: ImageHook, volumes: VolumeHook, network: NetworkHook): ContainerHook[] =>
            config.driver === 'hollow' ? [] : [image, volumes, network],
          inject: [ImageHook, VolumeHook, NetworkHook],
        },
        StorageJobsService,
        DataplaneSyncService,
        ImagePullService,
        LogShipperService,
        HostIdentityStore,
        RedisLoginStore,
        RestartCountStore,
        VouchStore,
        AgentRedis,
        ApiClientService,
        EventReporterService,
        ReportGate,
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
