import type { AgentConfig } from '@berth/config';

export const AGENT_CONFIG = Symbol('AGENT_CONFIG');
export const DRIVER = Symbol('DRIVER');
export type { AgentConfig };
export const IMAGE_STORE = Symbol('IMAGE_STORE');
export const NETWORK = Symbol('NETWORK');
export const VOLUME_BACKEND = Symbol('VOLUME_BACKEND');
