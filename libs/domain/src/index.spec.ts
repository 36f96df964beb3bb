import { join } from 'node:path';
import * as ts from 'typescript';
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
  'planContainerCreate',
  'operationGoalReached',
  // usage: the one dating rule and the reserved-capacity plans
  'datedUsage',
  'planReservedUsage',
  'planStorageUsage',
  'planFloatingIpUsage',
  'planUsageCut',
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
  'FIRST_NIC_SLOT',
  'nicSlotEnd',
  'nicSlotAddress',
  'validateNetworkCidr',
  'nextFreeCidr',
  'PRIVATE_RANGES',
  'parseAddressPool',
  'lowestFreeInPool',
  // MACs
  'newMac',
  'isValidMac',
  'isLocalUnicastMac',
  // network addressing
  'chooseNetworkBlock',
  'nicSlots',
  'nicAddressAt',
  'networkFull',
  // security rules
  'RULE_DIRECTIONS',
  'RULE_PROTOCOLS',
  'validateSecurityRule',
  'effectiveRules',
  // quotas
  'QUOTA_LIMITS',
  'MAX_QUOTA',
  'quotaExceeded',
  // credentials' last use
  'LAST_USED_RESOLUTION_MS',
  'lastUseWorthRecording',
] as const;

// Types other packages import from @berth/domain.
const EXPECTED_TYPES = [
  'IdPrefix',
  'Id',
  'TenantId',
  'ApiKeyId',
  'HostId',
  'ContainerId',
  'PodId',
  'ImageId',
  'VolumeId',
  'SnapshotId',
  'NetworkId',
  'FloatingIpId',
  'SecurityGroupId',
  'SecurityRuleId',
  'OperationId',
  'UsageId',
  'ErrorCode',
  'Resources',
  'SizeName',
  'ContainerState',
  'ContainerEvent',
  'HostState',
  'HostEvent',
  'OperationState',
  'OperationKind',
  'PlacementPolicy',
  'HostSnapshot',
  'RestartPolicy',
  'Cidr',
  'Ipv4Range',
  'RuleDirection',
  'RuleProtocol',
  'SecurityRuleSpec',
  'GroupRule',
  'FirewallRule',
  'EffectiveRules',
  'QuotaLimit',
  'QuotaLimits',
  'QuotaDemand',
] as const;

let typeNames: readonly string[] | undefined;
/** The names of the types (interfaces and aliases) index.ts exports, as TypeScript resolves them. */
function exportedTypeNames(): readonly string[] {
  if (typeNames !== undefined) return typeNames;
  const file = join(__dirname, 'index.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  typeNames = checker
    .getExportsOfModule(moduleSymbol)
    .filter(
      (s) =>
        ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Type) !==
        0,
    )
    .map((s) => s.name);
  return typeNames;
}

describe('@berth/domain', () => {
  it.each(EXPECTED_VALUES.map((name) => [name]))('exports %s', (name) => {
    expect(domain).toHaveProperty(name);
    expect((domain as Record<string, unknown>)[name]).toBeDefined();
  });

  // Types vanish at run time, so they are read from the compiler's view of the module: a renamed or
  // dropped type fails here, not only in the packages that import it.
  it.each(EXPECTED_TYPES.map((name) => [name]))('exports the type %s', (name) => {
    expect(exportedTypeNames()).toContain(name);
  });
});
