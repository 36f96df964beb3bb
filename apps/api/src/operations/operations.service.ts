import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { OperationView, Page } from '@berth/contracts';
import { decodeCursor, DEFAULT_PAGE_LIMIT, OperationRepository, pageOf } from '@berth/db';
import { DomainError, isOperationDone, type TenantId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { operationView } from './operation.view';

const POLL_MS = 100;
const MAX_POLL_MS = 500;

@Injectable()
export class OperationsService {
  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /**
   * With `waitSeconds`, holds the request until the operation is done or the time is up (capped by
   * config), then answers with the operation as it is: a timeout is not an error, the state says it.
   */
  async get(
    tenantId: TenantId,
    id: string,
    waitSeconds = 0,
    signal?: AbortSignal,
    maxWaitSeconds = this.config.operationWaitMaxS,
  ): Promise<OperationView> {
    const repo = new OperationRepository(this.ds.manager);
    const deadline = Date.now() + Math.min(waitSeconds, maxWaitSeconds) * 1000;
    let delay = POLL_MS;
    for (;;) {
      const op = await repo.findById(tenantId, id);
      if (!op) throw new DomainError('operation/not_found', `operation ${id} does not exist`);
      if (isOperationDone(op.state) || Date.now() >= deadline || signal?.aborted) return operationView(op);
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  async list(
    tenantId: TenantId,
    q: { targetId?: string; limit?: number; cursor?: string },
  ): Promise<Page<OperationView>> {
    const after = decodeCursor(q.cursor);
    const result = await new OperationRepository(this.ds.manager).list(
      tenantId,
      q.targetId !== undefined ? { targetId: q.targetId } : {},
      { limit: q.limit ?? DEFAULT_PAGE_LIMIT, ...(after ? { after } : {}) },
    );
    return pageOf(result, operationView, (o) => o.id);
  }
}
