import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiClientService } from '../api-client/api-client.service';
import { DRIVER } from '../config.provider';
import type { Driver, MachineExit } from '../drivers/driver';
import { EventReporterService } from '../reporter/event-reporter.service';
import { ContainerRunnerService } from '../runner/container-runner.service';
import { LogShipperService } from '../reporter/log-shipper.service';

/** Reports machines that stop by themselves (the workload exited) as `agent.exited`. */
@Injectable()
export class MachineExitsListener {
  private readonly log = new Logger(MachineExitsListener.name);

  constructor(
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly reporter: EventReporterService,
    private readonly runner: ContainerRunnerService,
    private readonly logs: LogShipperService,
  ) {}

  listen(): void {
    this.driver.onExit((exit) => {
      this.onExit(exit).catch((err: unknown) =>
        // The next resync (agent start) reports it again from the driver's status.
        this.log.warn(`${exit.id}: could not report exit: ${String(err)}`),
      );
    });
  }

  private async onExit(exit: MachineExit): Promise<void> {
    const spec = await this.api.containerSpec(exit.id);
    if (!spec) return;
    await this.logs.flush(exit.id);
    const result = await this.reporter.report(exit.id, {
      event: 'agent.exited',
      at: exit.at,
      generation: spec.generation,
      exitCode: exit.exitCode,
    });
    if (result.state === 'exited' && (await this.runner.restartAfterExit(exit.id, exit.exitCode))) {
      this.log.log(`${exit.id}: restarted under its restart policy ${spec.restartPolicy}`);
    }
  }
}
