import type { ApiKeyId, HostId, TenantId } from '@berth/domain';

/** Who is calling, as established by one of the Passport strategies. */
export type Principal =
  | { readonly kind: 'operator' }
  | { readonly kind: 'tenant'; readonly tenantId: TenantId; readonly keyId: ApiKeyId }
  | { readonly kind: 'agent'; readonly hostId: HostId }
  | { readonly kind: 'agent-join' };

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
export type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;
