import type { ApiKeyId, HostId, JoinTokenId, TenantId } from '@berth/domain';

/** Who is calling, as established by one of the Passport strategies. */
export type Principal =
  | { readonly kind: 'operator' }
  | { readonly kind: 'tenant'; readonly tenantId: TenantId; readonly keyId: ApiKeyId }
  | { readonly kind: 'agent'; readonly hostId: HostId }
  | {
      readonly kind: 'agent-join';
      /** null: the bootstrap token from BERTH_AGENT_JOIN_TOKEN. */
      readonly joinTokenId: JoinTokenId | null;
      /** Set for an operator's re-admission token: the one existing host it may register. */
      readonly readmitHostId: HostId | null;
    };

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
export type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;
export type JoinPrincipal = Extract<Principal, { kind: 'agent-join' }>;
/** Who may call `POST /v1/agent/register`: a host with its own token, or a join token. */
export type RegistrantPrincipal = AgentPrincipal | JoinPrincipal;
