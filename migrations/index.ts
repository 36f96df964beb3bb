import { CreateControlPlane1763769600000 } from './1763769600000-create-control-plane';
import { CreateImagesAndExecs1763776800000 } from './1763776800000-create-images-and-execs';

/** Every migration in order. Listed explicitly so that compiled and test runs load the same classes. */
export const ALL_MIGRATIONS = [CreateControlPlane1763769600000, CreateImagesAndExecs1763776800000];
