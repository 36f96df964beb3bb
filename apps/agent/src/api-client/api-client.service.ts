import { Inject, Injectable } from '@nestjs/common';
import type {
  AgentClaimRequest,
  AgentDataplane,
  AgentOperationResult,
  AgentStorageInventory,
  AgentWorkBundle,
  AgentContainerSpec,
  AgentEventReport,
  AgentEventResult,
  ErrorBody,
  HeartbeatRequest,
  HeartbeatResponse,
  RegisterHostRequest,
  RegisterHostResponse,
} from '@berth/contracts';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';
import { HostIdentityStore } from '../state/host-identity.store';
import { ApiError } from './api-error';

const TIMEOUT_MS = 10_000;
/**
 * A registration may wait longer: it happens once, at start-up, often in a burst with the rest of a fleet,
 * and giving up sooner only sends the same work again (a repeated join is safe, see joinKey, but not free).
 */
const REGISTER_TIMEOUT_MS = 30_000;

/** The agent's only way to the API: its agent endpoints, with the host's own token. */
@Injectable()
export class ApiClientService {
  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    private readonly identity: HostIdentityStore,
  ) {}

  /** With the host's own token (a host that has registered) or a join token (a new host). */
  register(req: RegisterHostRequest, token: string): Promise<RegisterHostResponse> {
    return this.call('POST', '/v1/agent/register', token, req, REGISTER_TIMEOUT_MS);
  }

  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.call('POST', '/v1/agent/heartbeat', this.identity.token(), req);
  }

  listContainers(): Promise<AgentContainerSpec[]> {
    return this.call('GET', '/v1/agent/containers', this.identity.token());
  }

  /** null when the container is not (or no longer) on this host. */
  async containerSpec(id: string): Promise<AgentContainerSpec | null> {
    try {
      return await this.call<AgentContainerSpec>(
        'GET',
        `/v1/agent/containers/${encodeURIComponent(id)}`,
        this.identity.token(),
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  report(id: string, event: AgentEventReport): Promise<AgentEventResult> {
    return this.call(
      'POST',
      `/v1/agent/containers/${encodeURIComponent(id)}/events`,
      this.identity.token(),
      event,
    );
  }

  /**
   * Starts on an operation: everything its job needs, read by the API in one snapshot (or `skip`).
   * `at` is this host's clock; `generation` the job's, for container work.
   */
  claim(operationId: string, req: AgentClaimRequest): Promise<AgentWorkBundle> {
    return this.call(
      'POST',
      `/v1/agent/operations/${encodeURIComponent(operationId)}/claim`,
      this.identity.token(),
      req,
    );
  }

  /** Progress, an outcome or a failure of a claimed operation: the one result channel. */
  result(operationId: string, result: AgentOperationResult): Promise<void> {
    return this.call(
      'POST',
      `/v1/agent/operations/${encodeURIComponent(operationId)}/result`,
      this.identity.token(),
      result,
    );
  }

  storageInventory(): Promise<AgentStorageInventory> {
    return this.call('GET', '/v1/agent/storage', this.identity.token());
  }

  dataplane(): Promise<AgentDataplane> {
    return this.call('GET', '/v1/agent/dataplane', this.identity.token());
  }

  private async call<T>(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    timeoutMs = TIMEOUT_MS,
  ): Promise<T> {
    const res = await fetch(`${this.config.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let code = 'unknown';
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as Partial<ErrorBody>;
        code = parsed.error?.code ?? code;
        message = parsed.error?.message ?? message;
      } catch {
        // not JSON: keep the raw text
      }
      throw new ApiError(res.status, code, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
