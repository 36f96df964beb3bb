import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ExecResultView } from '@berth/contracts';
import { ContainerRepository, ExecEntity, inTransaction } from '@berth/db';
import { DomainError, type TenantId } from '@berth/domain';
import { openOperation } from '../operations/operation-ledger';
import { OperationsService } from '../operations/operations.service';
import { AgentQueuesService } from '../queue/agent-queues.service';
import type { ExecDto } from './dto/exec.dto';

const DEFAULT_TIMEOUT_S = 60;
/** Time for the job to reach the agent and the result to come back, on top of the command's own. */
const WAIT_MARGIN_S = 15;

/**
 * Runs a command inside a running container. The request and its result live in Postgres (one
 * `execs` row per operation); the job carries ids only. Answers once the command has finished, or
 * with `exitCode: null` and the running operation when the wait ran out.
 */
@Injectable()
export class ContainerExecService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    private readonly operations: OperationsService,
  ) {}

  async exec(tenantId: TenantId, ref: string, dto: ExecDto, signal?: AbortSignal): Promise<ExecResultView> {
    const timeoutS = dto.timeoutSeconds ?? DEFAULT_TIMEOUT_S;
    const op = await inTransaction(this.ds, async (em) => {
      const c = await new ContainerRepository(em).lockByRef(tenantId, ref);
      if (!c) throw new DomainError('container/not_found', `container ${ref} does not exist`);
      if (c.state !== 'running') {
        throw new DomainError(
          'container/not_running',
          `container ${c.name} is ${c.state}; exec needs it running`,
        );
      }
      const op = await openOperation(em, {
        tenantId,
        kind: 'container.exec',
        targetId: c.id,
        hostId: c.hostId,
        generation: c.generation,
      });
      await em.save(
        em.create(ExecEntity, {
          operationId: op.id,
          tenantId,
          containerId: c.id,
          command: dto.command,
          env: dto.env ?? [],
          workdir: dto.workdir ?? null,
          user: dto.user ?? null,
          timeoutMs: timeoutS * 1000,
          exitCode: null,
          stdout: null,
          stderr: null,
          createdAt: new Date(),
          finishedAt: null,
        }),
      );
      return op;
    });
    await this.queues.enqueue(op);
    const finished = await this.operations.get(
      tenantId,
      op.id,
      timeoutS + WAIT_MARGIN_S,
      signal,
      timeoutS + WAIT_MARGIN_S,
    );
    const row = await this.ds.manager.findOne(ExecEntity, { where: { operationId: op.id } });
    return {
      operation: finished,
      exitCode: row?.exitCode ?? null,
      stdout: row?.stdout ?? '',
      stderr: row?.stderr ?? '',
    };
  }
}
