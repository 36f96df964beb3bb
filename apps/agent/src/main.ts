import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadAgentConfig } from '@berth/config';
import { AgentModule } from './agent.module';
import { DRIVER } from './config.provider';
import type { Driver } from './drivers/driver';
import { startHealthServer } from './health/health-server';
import { createAgentLogger } from './logger';
import { ContainerJobsProcessor } from './processors/container-jobs.processor';
import { MachineExitsListener } from './processors/machine-exits.listener';
import { DataplaneSyncService } from './reporter/dataplane-sync.service';
import { HeartbeatService } from './reporter/heartbeat.service';
import { LogShipperService } from './reporter/log-shipper.service';
import { registrationNeedsOperator, RegistrationService } from './reporter/registration.service';
import { ResyncService } from './runner/resync.service';
import { untilDone } from './start-up-retry';
import { StorageJobsService } from './volumes/storage-jobs.service';

async function main(): Promise<void> {
  const config = loadAgentConfig();
  const logger = createAgentLogger(config.logLevel, config.host.name);
  const app = await NestFactory.createApplicationContext(AgentModule.forConfig(config), { logger });
  const driver = app.get<Driver>(DRIVER);
  if (driver.capabilities().simulation) {
    logger.warn(`driver "${driver.name}" is a SIMULATION: machines are records, nothing runs`, 'agent');
  }
  const warn = (m: string): void => {
    logger.warn(m, 'agent');
  };
  const registration = app.get(RegistrationService);
  const hostId = await untilDone(
    'registration',
    warn,
    () => registration.ensureRegistered(),
    registrationNeedsOperator,
  );
  // Set below, once everything it stops exists; a token refused before then stops the agent at that point.
  let tokenRefused = false;
  let shutdown: (why: string, exitCode: number) => void = () => {
    tokenRefused = true;
  };
  const heartbeat = app.get(HeartbeatService);
  const resync = app.get(ResyncService);
  heartbeat.start(
    () => shutdown('host token refused', 1),
    () => resync.resyncAfterLoss(),
  );
  await untilDone('resync', warn, () => resync.resync());
  await untilDone('storage resync', warn, () => app.get(StorageJobsService).resync());
  app.get(MachineExitsListener).listen();
  app.get(LogShipperService).listen(hostId);
  // The hollow simulation has no data plane to keep.
  const dataplane = config.driver === 'hollow' ? null : app.get(DataplaneSyncService);
  await dataplane?.start();
  const processor = app.get(ContainerJobsProcessor);
  processor.start(hostId);
  const health = await startHealthServer(config.healthPort, () => ({
    hostId,
    driver: driver.name,
    ...driver.capabilities(),
  }));
  logger.log(
    `agent for host ${config.host.name} (${hostId}) ready; health on 127.0.0.1:${health.port}`,
    'agent',
  );

  let stopping = false;
  shutdown = (why, exitCode) => {
    if (stopping) return;
    stopping = true;
    const force = exitCode !== 0;
    logger.log(`${why}: ${force ? 'stopping now' : 'finishing jobs in hand, then stopping'}`, 'agent');
    void (async () => {
      await processor.stop(force);
      await heartbeat.stop();
      await dataplane?.stop();
      health.server.close();
      await driver.close();
      await app.close();
      process.exit(exitCode);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  if (tokenRefused) shutdown('host token refused', 1);
}

main().catch((err: unknown) => {
  console.error(`agent stopped: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
