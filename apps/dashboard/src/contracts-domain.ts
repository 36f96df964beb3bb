// What @berth/contracts imports from @berth/domain, for the dashboard's type-check only (the tsconfig
// maps @berth/domain here). The dashboard runs in a browser and compiles without Node's types, so it
// takes the types from the domain files that need no Node module, and never the domain's code.
export type { ContainerState } from '../../../libs/domain/src/container-state';
export type { HostState } from '../../../libs/domain/src/host-state';
export type { OperationKind, OperationState } from '../../../libs/domain/src/operation-state';
export type { SizeName } from '../../../libs/domain/src/sizes';
export type { QuotaLimit } from '../../../libs/domain/src/quotas';
// The domain imports no Node builtin (eslint.config.mjs), so volume states are the domain's own too.
export type { SnapshotState, VolumeState } from '../../../libs/domain/src/volumes';
