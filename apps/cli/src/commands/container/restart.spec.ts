import { describeContainerAction } from '../../testing/container-action-spec';

describeContainerAction({ verb: 'restart', activity: 'Restarting', endState: 'running' });
