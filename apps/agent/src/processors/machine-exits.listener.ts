import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiClientService } from '../api-client/api-client.service';
import { DRIVER } from '../config.provider';
import type { Driver, MachineExit } from '../drivers/driver';
import { ContainerRunnerService } from '../runner/container-runner.service';

/** Hands machines that stop by themselves (the workload exited) to the runner's reconcile path, then the restart policy. */
@Injectable()
export class MachineExitsListener {
  private readonly log = new Logger(MachineExitsListener.name);

  constructor(
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly runner: ContainerRunnerService,
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
    const result = await this.runner.reconcile(
      exit.id,
      { kind: 'exited', exit },
      { generation: spec.generation },
    );
    if (result?.state === 'exited' && (await this.runner.restartAfterExit(exit.id, exit.exitCode))) {
      this.log.log(`${exit.id}: restarted under its restart policy ${spec.restartPolicy}`);
    }
  }
}
