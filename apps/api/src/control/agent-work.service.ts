import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  AgentExecSpec,
  AgentImageSpec,
  OperationProgressReport,
  RegistryCredentials,
} from '@berth/contracts';
import {
  ExecEntity,
  HostContainerRepository,
  ImageEntity,
  ImageRepository,
  OperationEntity,
  OperationRepository,
} from '@berth/db';
import {
  DomainError,
  imageRegistryOf,
  type ContainerState,
  type HostId,
  type ImageId,
  type OperationKind,
  type TenantId,
} from '@berth/domain';
import { finishOperation, markOperationRunning } from '../operations/operation-ledger';
import { RegistryCredentialsService } from '../registry-credentials/registry-credentials.service';

const MAX_OUTPUT = 1024 * 1024;

/** Container states in which the agent's image hook runs (it pulls, or re-checks the manifest). */
const PULLING_CONTAINER_STATES: readonly ContainerState[] = ['pending', 'creating', 'starting', 'restarting'];
/** Container operations whose job runs the image hook. */
export const PULLING_CONTAINER_OPERATIONS: readonly OperationKind[] = [
  'container.create',
  'container.start',
  'container.restart',
];

/** What an exec reported: its exit code and output, or why it could not run. */
export type ExecOutcome =
  | { readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly error: { code: string; message: string } };

/** What a pull found: the image's digest, size and config, or why it failed. */
export type ImageOutcome =
  | { readonly digest: string; readonly sizeBytes: number; readonly config: Record<string, unknown> }
  | { readonly error: { code: string; message: string } };

/**
 * The agent's side of execs, image pulls, registry logins and progress. A host only ever sees the work
 * queued for it: the operations handed in were looked up by the calling host's id, and every read is
 * done in the caller's transaction (a claim's snapshot, or a result's lock).
 */
@Injectable()
export class AgentWorkService {
  constructor(
    private readonly ds: DataSource,
    private readonly creds: RegistryCredentialsService,
  ) {}

  async execSpec(em: EntityManager, op: OperationEntity): Promise<AgentExecSpec> {
    const exec = await em.findOne(ExecEntity, { where: { operationId: op.id } });
    if (!exec) throw new DomainError('operation/not_found', `exec ${op.id} is not on this host`);
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

  /** With the operation locked. Idempotent: a second result for a finished exec changes nothing. */
  async execResult(em: EntityManager, op: OperationEntity, r: ExecOutcome): Promise<void> {
    const exec = await em.findOne(ExecEntity, { where: { operationId: op.id } });
    if (!exec) throw new DomainError('operation/not_found', `exec ${op.id} is not on this host`);
    if (op.state !== 'pending' && op.state !== 'running') return;
    if ('error' in r) {
      await finishOperation(em, op, 'failed', r.error);
      return;
    }
    exec.exitCode = r.exitCode;
    exec.stdout = r.stdout.slice(0, MAX_OUTPUT);
    exec.stderr = r.stderr.slice(0, MAX_OUTPUT);
    exec.finishedAt = new Date();
    await em.save(exec);
    await finishOperation(em, op, 'succeeded');
  }

  async imageSpec(em: EntityManager, hostId: HostId, op: OperationEntity): Promise<AgentImageSpec> {
    const image = await this.imageOf(em, hostId, op);
    return { id: image.id, tenantId: image.tenantId, reference: image.reference, operationId: op.id };
  }

  /** With the operation locked. Idempotent: a second result for a finished pull changes nothing. */
  async imageResult(em: EntityManager, hostId: HostId, op: OperationEntity, r: ImageOutcome): Promise<void> {
    const image = await this.imageOf(em, hostId, op);
    if (op.state !== 'pending' && op.state !== 'running') return;
    image.updatedAt = new Date();
    if ('error' in r) {
      image.state = 'failed';
      image.error = r.error.message;
      await em.save(image);
      await finishOperation(em, op, 'failed', r.error);
      return;
    }
    image.state = 'ready';
    image.digest = r.digest;
    image.sizeBytes = String(r.sizeBytes);
    image.config = r.config;
    image.error = null;
    await em.save(image);
    await finishOperation(em, op, 'succeeded');
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
    const creds = await this.loginFor(this.ds.manager, hostId, tenantId as TenantId, registry);
    if (!creds) throw new DomainError('registry_credential/not_found', `no login for ${registry}`);
    return creds;
  }

  /**
   * The login a host may read for pulling `image` of `tenantId` (null when it has no such work, or the
   * tenant no login for that registry). The one owner of that rule: claims and the login route use it.
   */
  loginForImage(
    em: EntityManager,
    hostId: HostId,
    tenantId: TenantId,
    image: string,
  ): Promise<RegistryCredentials | null> {
    return this.loginFor(em, hostId, tenantId, imageRegistryOf(image));
  }

  private async loginFor(
    em: EntityManager,
    hostId: HostId,
    tenantId: TenantId,
    registry: string,
  ): Promise<RegistryCredentials | null> {
    // Most tenants store no login: that one read answers, and the rule's reads are only paid for a login.
    const login = await this.creds.reveal(tenantId, registry, em);
    if (!login) return null;
    const references = await referencesAwaitingPull(em, hostId, tenantId);
    return references.some((reference) => imageRegistryOf(reference) === registry) ? login : null;
  }

  /** With the operation locked: records progress and marks the operation running (the host has started on it). */
  async progress(em: EntityManager, op: OperationEntity, p: OperationProgressReport): Promise<void> {
    if (op.state !== 'pending' && op.state !== 'running') return;
    await markOperationRunning(em, op);
    await new OperationRepository(em).patch(op, { progress: { ...p }, updatedAt: new Date() });
  }

  private async imageOf(em: EntityManager, hostId: HostId, op: OperationEntity): Promise<ImageEntity> {
    const image = await em.findOne(ImageEntity, { where: { id: op.targetId as ImageId, hostId } });
    if (!image) throw new DomainError('image/not_found', `image ${op.targetId} is not on this host`);
    return image;
  }
}

/**
 * The image references the host may be pulling for the tenant right now: its containers of that
 * tenant in a state on the way to running (which pulls, or re-checks the manifest with the login),
 * or with an open create/start/restart operation, and its open image pulls of that tenant.
 */
async function referencesAwaitingPull(
  em: EntityManager,
  hostId: HostId,
  tenantId: TenantId,
): Promise<string[]> {
  const containers = await new HostContainerRepository(em).imagesAwaitingPull(
    hostId,
    tenantId,
    PULLING_CONTAINER_STATES,
    PULLING_CONTAINER_OPERATIONS,
  );
  const images = await new ImageRepository(em).referencesBeingPulledOn(tenantId, hostId);
  return [...containers, ...images];
}
