import type { ApiConfig } from '@berth/config';

/** Injection token for the API's parsed configuration (loaded once in main.ts). */
export const API_CONFIG = Symbol('API_CONFIG');
export type { ApiConfig };
