import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  AgentExecResult,
  AgentExecSpec,
  AgentImageResult,
  AgentImageSpec,
  OperationProgressReport,
  RegistryCredentials,
} from '@berth/contracts';
import { ContainerEntity, ExecEntity, ImageEntity, inTransaction, OperationEntity } from '@berth/db';
import { DomainError, type HostId, type TenantId } from '@berth/domain';
import { finishOperation, markOperationRunning, operationOnHost } from '../operations/operation-ledger';
import { RegistryCredentialsService } from '../registry-credentials/registry-credentials.service';

const MAX_OUTPUT = 1024 * 1024;

/**
 * The agent's side of execs, image pulls, registry logins and progress. A host only ever sees the work
 * queued for it: every lookup is bound to the calling host's id.
 */
@Injectable()
export class AgentWorkService {
  constructor(
    private readonly ds: DataSource,
    private readonly creds: RegistryCredentialsService,
  ) {}

  async execSpec(hostId: HostId, operationId: string): Promise<AgentExecSpec> {
    const { exec } = await this.execOnHost(hostId, operationId);
    return {
      operationId: exec.operationId,
      containerId: exec.containerId,
      command: exec.command,
      env: exec.env,
      workdir: exec.workdir,
      user: exec.user,
      timeoutMs: exec.timeoutMs,
    };
  }

  /** Idempotent: a second result for a finished exec changes nothing. */
  execResult(hostId: HostId, operationId: string, r: AgentExecResult): Promise<void> {
    return inTransaction(this.ds, async (em) => {
      const op = await operationOnHost(em, hostId, operationId, { lock: true });
      const exec = await em.findOne(ExecEntity, { where: { operationId: op.id } });
      if (!exec) throw new DomainError('operation/not_found', `exec ${operationId} is not on this host`);
      if (op.state !== 'pending' && op.state !== 'running') return;
      if (r.error) {
        await finishOperation(em, op, 'failed', r.error);
        return;
      }
      exec.exitCode = r.exitCode ?? null;
      exec.stdout = (r.stdout ?? '').slice(0, MAX_OUTPUT);
      exec.stderr = (r.stderr ?? '').slice(0, MAX_OUTPUT);
      exec.finishedAt = new Date();
      await em.save(exec);
      await finishOperation(em, op, 'succeeded');
    });
  }

  async imageSpec(hostId: HostId, imageId: string): Promise<AgentImageSpec> {
    const image = await this.ds.manager.findOne(ImageEntity, {
      where: { id: imageId as ImageEntity['id'], hostId },
    });
    if (!image) throw new DomainError('image/not_found', `image ${imageId} is not being pulled by this host`);
    const op = await this.ds.manager.findOne(OperationEntity, {
      where: { targetId: image.id, hostId, kind: 'image.pull', state: 'pending' },
    });
    return {
      id: image.id,
      tenantId: image.tenantId,
      reference: image.reference,
      operationId: op?.id ?? null,
    };
  }

  imageResult(hostId: HostId, imageId: string, operationId: string, r: AgentImageResult): Promise<void> {
    return inTransaction(this.ds, async (em) => {
      const op = await operationOnHost(em, hostId, operationId, { lock: true });
      const image = await em.findOne(ImageEntity, { where: { id: imageId as ImageEntity['id'], hostId } });
      if (!image || op.targetId !== image.id)
        throw new DomainError('image/not_found', `image ${imageId} is not on this host`);
      if (op.state !== 'pending' && op.state !== 'running') return;
      image.updatedAt = new Date();
      if (r.error) {
        image.state = 'failed';
        image.error = r.error.message;
        await em.save(image);
        await finishOperation(em, op, 'failed', r.error);
        return;
      }
      image.state = 'ready';
      image.digest = r.digest ?? null;
      image.sizeBytes = r.sizeBytes !== undefined ? String(r.sizeBytes) : null;
      image.config = r.config ?? null;
      image.error = null;
      await em.save(image);
      await finishOperation(em, op, 'succeeded');
    });
  }

  /**
   * A tenant's registry login, for a host that has work of that tenant: a container placed on it, or an
   * image pull queued for it. Any other host gets a 404, as if no login existed.
   */
  async registryCredentials(
    hostId: HostId,
    tenantId: string,
    registry: string,
  ): Promise<RegistryCredentials> {
    const [hasContainer, hasPull] = await Promise.all([
      this.ds.manager.exists(ContainerEntity, { where: { hostId, tenantId: tenantId as TenantId } }),
      this.ds.manager.exists(ImageEntity, {
        where: { hostId, tenantId: tenantId as TenantId, state: 'pulling' },
      }),
    ]);
    const creds = hasContainer || hasPull ? await this.creds.reveal(tenantId as TenantId, registry) : null;
    if (!creds) throw new DomainError('registry_credential/not_found', `no login for ${registry}`);
    return creds;
  }

  /** Records progress and marks the operation running (the host has started on it). */
  progress(hostId: HostId, operationId: string, p: OperationProgressReport): Promise<void> {
    return inTransaction(this.ds, async (em) => {
      const op = await operationOnHost(em, hostId, operationId, { lock: true });
      if (op.state !== 'pending' && op.state !== 'running') return;
      await markOperationRunning(em, op);
      op.progress = { ...p };
      op.updatedAt = new Date();
      await em.save(op);
    });
  }

  private async execOnHost(hostId: HostId, operationId: string): Promise<{ exec: ExecEntity }> {
    const exec = await this.ds.manager
      .createQueryBuilder(ExecEntity, 'e')
      .innerJoin(OperationEntity, 'o', 'o.id = e.operation_id')
      .where('e.operation_id = :operationId AND o.host_id = :hostId', { operationId, hostId })
      .getOne();
    if (!exec) throw new DomainError('operation/not_found', `exec ${operationId} is not on this host`);
    return { exec };
  }
}
