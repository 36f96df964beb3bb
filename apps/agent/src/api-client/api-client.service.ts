import { Inject, Injectable } from '@nestjs/common';
import type {
  AgentDataplane,
  AgentExecResult,
  AgentExecSpec,
  AgentImageResult,
  AgentImageSpec,
  AgentStorageInventory,
  AgentStorageResult,
  AgentStorageWork,
  OperationProgressReport,
  RegistryCredentials,
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

/** The agent's only way to the API: its agent endpoints, with the host's own token. */
@Injectable()
export class ApiClientService {
  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    private readonly identity: HostIdentityStore,
  ) {}

  /** With the host's own token (a host that has registered) or a join token (a new host). */
  register(req: RegisterHostRequest, token: string): Promise<RegisterHostResponse> {
    return this.call('POST', '/v1/agent/register', token, req);
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

  execSpec(operationId: string): Promise<AgentExecSpec> {
    return this.call('GET', `/v1/agent/execs/${encodeURIComponent(operationId)}`, this.identity.token());
  }

  execResult(operationId: string, result: AgentExecResult): Promise<void> {
    return this.call(
      'POST',
      `/v1/agent/execs/${encodeURIComponent(operationId)}/result`,
      this.identity.token(),
      result,
    );
  }

  imageSpec(imageId: string): Promise<AgentImageSpec> {
    return this.call('GET', `/v1/agent/images/${encodeURIComponent(imageId)}`, this.identity.token());
  }

  imageResult(imageId: string, operationId: string, result: AgentImageResult): Promise<void> {
    return this.call(
      'POST',
      `/v1/agent/images/${encodeURIComponent(imageId)}/result`,
      this.identity.token(),
      {
        operationId,
        ...result,
      },
    );
  }

  /** The tenant's stored login for `registry`, or undefined when it has none. */
  async registryCredentials(tenantId: string, registry: string): Promise<RegistryCredentials | undefined> {
    const q = new URLSearchParams({ tenantId, registry });
    try {
      return await this.call<RegistryCredentials>(
        'GET',
        `/v1/agent/registry-credentials?${q.toString()}`,
        this.identity.token(),
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  storageWork(operationId: string): Promise<AgentStorageWork> {
    return this.call('GET', `/v1/agent/storage/${encodeURIComponent(operationId)}`, this.identity.token());
  }

  storageResult(operationId: string, result: AgentStorageResult): Promise<void> {
    return this.call(
      'POST',
      `/v1/agent/storage/${encodeURIComponent(operationId)}/result`,
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

  progress(operationId: string, report: OperationProgressReport): Promise<void> {
    return this.call(
      'POST',
      `/v1/agent/operations/${encodeURIComponent(operationId)}/progress`,
      this.identity.token(),
      report,
    );
  }

  private async call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.config.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
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
