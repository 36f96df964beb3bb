import { Injectable } from '@nestjs/common';
import { Brackets, DataSource } from 'typeorm';
import type {
  AgentExecResult,
  AgentExecSpec,
  AgentImageResult,
  AgentImageSpec,
  OperationProgressReport,
  RegistryCredentials,
} from '@berth/contracts';
import { ContainerEntity, ExecEntity, ImageEntity, inTransaction, OperationEntity } from '@berth/db';
import {
  DomainError,
  imageRegistryOf,
  type ContainerState,
  type HostId,
  type OperationKind,
  type TenantId,
} from '@berth/domain';
import { finishOperation, markOperationRunning, operationOnHost } from '../operations/operation-ledger';
import { RegistryCredentialsService } from '../registry-credentials/registry-credentials.service';

const MAX_OUTPUT = 1024 * 1024;

/** Container states in which the agent's image hook runs (it pulls, or re-checks the manifest). */
const PULLING_CONTAINER_STATES: readonly ContainerState[] = ['pending', 'creating', 'starting', 'restarting'];
/** Container operations whose job runs the image hook. */
const PULLING_CONTAINER_OPERATIONS: readonly OperationKind[] = [
  'container.create',
  'container.start',
  'container.restart',
];

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
   * A tenant's registry login, only while the host holds live work of that tenant that may pull from
   * that registry (see `referencesAwaitingPull`). A host whose containers of that tenant run, or that
   * has no such work at all, gets a 404, as if no login existed.
   */
  async registryCredentials(
    hostId: HostId,
    tenantId: string,
    registry: string,
  ): Promise<RegistryCredentials> {
    const references = await this.referencesAwaitingPull(hostId, tenantId as TenantId);
    const needed = references.some((reference) => imageRegistryOf(reference) === registry);
    const creds = needed ? await this.creds.reveal(tenantId as TenantId, registry) : null;
    if (!creds) throw new DomainError('registry_credential/not_found', `no login for ${registry}`);
    return creds;
  }

  /**
   * The image references the host may be pulling for the tenant right now: its containers of that
   * tenant in a state on the way to running (which pulls, or re-checks the manifest with the login),
   * or with an open create/start/restart operation, and its open image pulls of that tenant.
   */
  private async referencesAwaitingPull(hostId: HostId, tenantId: TenantId): Promise<string[]> {
    const [containers, images] = await Promise.all([
      this.ds.manager
        .createQueryBuilder(ContainerEntity, 'c')
        .select('c.image', 'image')
        .where('c.host_id = :hostId AND c.tenant_id = :tenantId', { hostId, tenantId })
        .andWhere(
          new Brackets((w) =>
            w.where('c.state IN (:...states)', { states: PULLING_CONTAINER_STATES }).orWhere(
              `EXISTS (SELECT 1 FROM operations o WHERE o.target_id = c.id AND o.host_id = :hostId
                 AND o.state IN ('pending', 'running') AND o.kind IN (:...kinds))`,
              { kinds: PULLING_CONTAINER_OPERATIONS },
            ),
          ),
        )
        .getRawMany<{ image: string }>(),
      this.ds.manager
        .createQueryBuilder(ImageEntity, 'i')
        .select('i.reference', 'reference')
        .where('i.host_id = :hostId AND i.tenant_id = :tenantId', { hostId, tenantId })
        .andWhere(
          `EXISTS (SELECT 1 FROM operations o WHERE o.target_id = i.id AND o.host_id = :hostId
             AND o.state IN ('pending', 'running') AND o.kind = 'image.pull')`,
        )
        .getRawMany<{ reference: string }>(),
    ]);
    return [...containers.map((c) => c.image), ...images.map((i) => i.reference)];
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
