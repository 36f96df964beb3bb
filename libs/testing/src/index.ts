export * from './databases';
export * from './free-port';
export * from './http-client';
export * from './processes';
export * from './services';
export * from './stack';
export * from './guest';
export * from './registry';
