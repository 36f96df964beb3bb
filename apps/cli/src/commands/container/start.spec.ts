import { describeContainerAction } from '../../testing/container-action-spec';

describeContainerAction({ verb: 'start', activity: 'Starting', endState: 'running' });
