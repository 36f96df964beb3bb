// @berth/domain: pure TypeScript shared by api, agent and billing (no I/O, no config).
export * from './ids';
export * from './errors';
export * from './sizes';
export * from './container-state';
export * from './host-state';
export * from './operation-state';
export * from './placement';
export * from './restart-policy';
export * from './container-name';
export * from './ipv4';
export * from './mac';
export * from './security-rules';
export * from './volumes';
export * from './usage';
export * from './pricing';
export * from './image-registry';
export * from './quotas';
