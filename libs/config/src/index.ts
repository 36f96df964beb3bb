export * from './env';
export * from './api-config';
export * from './agent-config';
export * from './billing-config';
export * from './ip-cidr';
