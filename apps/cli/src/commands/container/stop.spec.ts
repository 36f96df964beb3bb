import { describeContainerAction } from '../../testing/container-action-spec';

describeContainerAction({ verb: 'stop', activity: 'Stopping', endState: 'stopped' });
