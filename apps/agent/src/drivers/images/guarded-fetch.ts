import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchFn } from './registry-client';
import type { RegistryAddressPolicy } from './registry-address-policy';

/**
 * A fetch for registry traffic that connects only to addresses the policy allows. IP literals are
 * checked here (net.connect does not look them up); names are resolved and checked by the policy's
 * lookup at connect time, so the address checked is the address connected to. Every request goes
 * through it: the registry, its token realm and every redirect hop (the client follows them by hand).
 */
export function guardedFetch(policy: RegistryAddressPolicy): FetchFn {
  const dispatcher = new Agent({ connect: { lookup: policy.lookup } });
  return async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    policy.checkLiteral(url.hostname);
    // undici's own fetch, so that its dispatcher (the checking lookup) is the one used.
    return await undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    });
  };
}
