import * as domain from './index';

// Other packages import these names from @berth/domain; renaming one breaks them.
const EXPECTED_VALUES = [
  // ids
  'ID_PREFIXES',
  'newId',
  'isId',
  'parseId',
  'idTimestamp',
  // errors
  'ERROR_STATUS',
  'DomainError',
  'isDomainError',
  // sizes
  'SIZES',
  'SIZE_NAMES',
  'DEFAULT_SIZE',
  'isSizeName',
  'sizeResources',
  'addResources',
  'subtractResources',
  'fitsWithin',
  'ZERO_RESOURCES',
  // container state
  'CONTAINER_STATES',
  'CONTAINER_EVENTS',
  'nextContainerState',
  'transitionContainer',
  'CONTAINER_HOLDS_CAPACITY',
  'containerHoldsCapacity',
  'isContainerTerminal',
  'CONTAINER_SETTLED_STATES',
  'targetStateOfAgentEvent',
  // container lifecycle
  'planContainerLifecycle',
  'datedUsage',
  'operationGoalReached',
  // host state
  'nextHostState',
  'transitionHost',
  'hostAcceptsWork',
  // operation state
  'nextOperationState',
  'isOperationDone',
  'OPERATION_KINDS',
  // placement
  'placeContainer',
  // restart policy
  'parseRestartPolicy',
  'formatRestartPolicy',
  'shouldRestart',
  // names and labels
  'CONTAINER_NAME_PATTERN',
  'isValidContainerName',
  'LABEL_KEY_PATTERN',
  'validateLabels',
  // IPv4, CIDR blocks, pools
  'parseIpv4',
  'isIpv4',
  'formatIpv4',
  'parseCidr',
  'tryParseCidr',
  'formatCidr',
  'cidrContains',
  'cidrsOverlap',
  'hostCount',
  'nthHost',
  'gatewayOf',
  'broadcastOf',
  'lowestFreeHost',
  'validateNetworkCidr',
  'nextFreeCidr',
  'PRIVATE_RANGES',
  'parseAddressPool',
  'lowestFreeInPool',
  // MACs
  'newMac',
  'isValidMac',
  'isLocalUnicastMac',
  // security rules
  'RULE_DIRECTIONS',
  'RULE_PROTOCOLS',
  'validateSecurityRule',
  'effectiveRules',
  // quotas
  'QUOTA_LIMITS',
  'MAX_QUOTA',
  'isQuotaLimit',
  'quotaExceeded',
] as const;

describe('@berth/domain', () => {
  it.each(EXPECTED_VALUES.map((name) => [name]))('exports %s', (name) => {
    expect(domain).toHaveProperty(name);
    expect((domain as Record<string, unknown>)[name]).toBeDefined();
  });

  it('exports the types others rely on', () => {
    // Compile-time only: this file fails to type-check if a type is missing.
    const types: [
      domain.IdPrefix,
      domain.Id<'ctr'>,
      domain.TenantId,
      domain.ApiKeyId,
      domain.HostId,
      domain.ContainerId,
      domain.PodId,
      domain.ImageId,
      domain.VolumeId,
      domain.SnapshotId,
      domain.NetworkId,
      domain.FloatingIpId,
      domain.SecurityGroupId,
      domain.SecurityRuleId,
      domain.OperationId,
      domain.UsageId,
      domain.ErrorCode,
      domain.Resources,
      domain.SizeName,
      domain.ContainerState,
      domain.ContainerEvent,
      domain.HostState,
      domain.HostEvent,
      domain.OperationState,
      domain.OperationKind,
      domain.PlacementPolicy,
      domain.HostSnapshot,
      domain.RestartPolicy,
      domain.Cidr,
      domain.Ipv4Range,
      domain.RuleDirection,
      domain.RuleProtocol,
      domain.SecurityRuleSpec,
      domain.GroupRule,
      domain.FirewallRule,
      domain.EffectiveRules,
      domain.QuotaLimit,
      domain.QuotaLimits,
      domain.QuotaDemand,
    ][] = [];
    expect(types).toEqual([]);
  });
});
