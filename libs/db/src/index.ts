export * from './entities';
export * from './data-source-options';
export * from './migrate';
export * from './transaction';
export * from './repositories/container.repository';
export * from './repositories/operation.repository';
export * from './repositories/api-key.repository';
