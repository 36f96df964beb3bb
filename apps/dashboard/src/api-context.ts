import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';

export const ApiContext = createContext<Api | null>(null);

/** The signed-in API client; pages render only inside a signed-in session. */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi outside a signed-in session');
  return api;
}
