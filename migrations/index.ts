import { CreateControlPlane1763769600000 } from './1763769600000-create-control-plane';

/** Every migration in order. Listed explicitly so that compiled and test runs load the same classes. */
export const ALL_MIGRATIONS = [CreateControlPlane1763769600000];
