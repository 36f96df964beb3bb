import { CreateControlPlane1763769600000 } from './1763769600000-create-control-plane';
import { CreateImagesAndExecs1763776800000 } from './1763776800000-create-images-and-execs';
import { CreateNetworks1763784000000 } from './1763784000000-create-networks';
import { CreateVolumes1763791200000 } from './1763791200000-create-volumes';
import { CreateBilling1763798400000 } from './1763798400000-create-billing';
import { CheckUsageMeters1763805600000 } from './1763805600000-check-usage-meters';
import { SealIdempotencyKeys1763812800000 } from './1763812800000-seal-idempotency-keys';
import { CreateJoinTokens1763820000000 } from './1763820000000-create-join-tokens';
import { CreateAgentRedisUsers1763827200000 } from './1763827200000-create-agent-redis-users';
import { CreateTenantQuotas1763834400000 } from './1763834400000-create-tenant-quotas';
import { CheckContainerStates1763841600000 } from './1763841600000-check-container-states';
import { AddHostJoinKeys1763884800000 } from './1763884800000-add-host-join-keys';
import { AddHostTemplates1763856000000 } from './1763856000000-add-host-templates';
import { IndexNetworkAddresses1763863200000 } from './1763863200000-index-network-addresses';
import { CreateControlPlaneLiveness1763870400000 } from './1763870400000-create-control-plane-liveness';
import { TrackHostReservations1763877600000 } from './1763877600000-track-host-reservations';
import { TrackVolumePoolReservations1763899200000 } from './1763899200000-track-volume-pool-reservations';
import { AddHostLossEpochs1763906400000 } from './1763906400000-add-host-loss-epochs';
import { AddBillingDeadLetters1763913600000 } from './1763913600000-add-billing-dead-letters';
import { AddTenantSubscriptions1763920800000 } from './1763920800000-add-tenant-subscriptions';

/** Every migration in order. Listed explicitly so that compiled and test runs load the same classes. */
export const ALL_MIGRATIONS = [
  CreateControlPlane1763769600000,
  CreateImagesAndExecs1763776800000,
  CreateNetworks1763784000000,
  CreateVolumes1763791200000,
  CreateBilling1763798400000,
  CheckUsageMeters1763805600000,
  SealIdempotencyKeys1763812800000,
  CreateJoinTokens1763820000000,
  CreateAgentRedisUsers1763827200000,
  CreateTenantQuotas1763834400000,
  CheckContainerStates1763841600000,
  AddHostTemplates1763856000000,
  IndexNetworkAddresses1763863200000,
  CreateControlPlaneLiveness1763870400000,
  TrackHostReservations1763877600000,
  AddHostJoinKeys1763884800000,
  TrackVolumePoolReservations1763899200000,
  AddHostLossEpochs1763906400000,
  AddBillingDeadLetters1763913600000,
  AddTenantSubscriptions1763920800000,
];
