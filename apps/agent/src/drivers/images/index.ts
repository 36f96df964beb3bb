export * from './image-errors';
export * from './image-reference';
export * from './image-store';
export * from './oci';
export * from './registry-client';
export { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';
export { guardedFetch } from './guarded-fetch';
export { RegistryAddressPolicy, RegistryAddressRefusedError } from './registry-address-policy';
