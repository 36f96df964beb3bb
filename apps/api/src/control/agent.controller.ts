import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type {
  AgentDataplane,
  RegistryCredentials,
  AgentContainerSpec,
  AgentEventResult,
  AgentStorageInventory,
  AgentWorkBundle,
  HeartbeatResponse,
  RegisterHostResponse,
} from '@berth/contracts';
import { AgentAuthGuard, RegistrantAuthGuard } from '../auth/guards';
import { CurrentAgent, CurrentRegistrant } from '../auth/principal.decorator';
import { ReturnsSecret } from '../common/returns-secret.decorator';
import { COMMAND_OUTPUT_BODY_BYTES, COMMAND_OUTPUT_LIMITS, InputLimits } from '../common/input-limits';
import type { AgentPrincipal, RegistrantPrincipal } from '../auth/principal';
import { HostsService } from '../hosts/hosts.service';
import {
  AgentClaimDto,
  AgentCredentialsQueryDto,
  AgentEventDto,
  AgentOperationResultDto,
  HeartbeatDto,
  RegisterHostDto,
  toResult,
} from './agent.dto';
import { AgentWorkService } from './agent-work.service';
import { ContainerReportsService } from './container-reports.service';
import { DataplaneService } from './dataplane.service';
import { OperationClaimService } from './operation-claim.service';
import { OperationResultsService } from './operation-results.service';
import { StorageWorkService } from './storage-work.service';

/** Endpoints for host agents only. A host sees and reports on the containers placed on it, no others. */
@ApiTags('agent')
@ApiBearerAuth()
@Controller('v1/agent')
export class AgentController {
  constructor(
    private readonly hosts: HostsService,
    private readonly reports: ContainerReportsService,
    private readonly work: AgentWorkService,
    private readonly dataplane: DataplaneService,
    private readonly storage: StorageWorkService,
    private readonly claims: OperationClaimService,
    private readonly results: OperationResultsService,
  ) {}

  @Get('storage')
  @UseGuards(AgentAuthGuard)
  @ApiOperation({ summary: 'Every volume and snapshot this host must keep (it removes the rest)' })
  storageInventory(@CurrentAgent() a: AgentPrincipal): Promise<AgentStorageInventory> {
    return this.storage.inventory(a.hostId);
  }

  @Post('register')
  @HttpCode(200)
  @UseGuards(RegistrantAuthGuard)
  // Agents' requests are not kept by the idempotency store today; marked so that they never would be in clear.
  @ReturnsSecret()
  @ApiOperation({
    summary:
      "Register a new host with a join token (answers its own host token), or re-register a host with its own host token; a join token cannot take an existing host's name (409 host/name_taken)",
  })
  register(
    @CurrentRegistrant() who: RegistrantPrincipal,
    @Body() dto: RegisterHostDto,
  ): Promise<RegisterHostResponse> {
    return this.hosts.register(who, dto);
  }

  @Post('heartbeat')
  @HttpCode(200)
  @UseGuards(AgentAuthGuard)
  @ApiOperation({ summary: 'Tell the API the host is alive' })
  heartbeat(@CurrentAgent() a: AgentPrincipal, @Body() dto: HeartbeatDto): Promise<HeartbeatResponse> {
    return this.hosts.heartbeat(a.hostId, dto);
  }

  @Get('containers')
  @UseGuards(AgentAuthGuard)
  @ApiOperation({ summary: 'Desired specs of every container placed on this host' })
  list(@CurrentAgent() a: AgentPrincipal): Promise<AgentContainerSpec[]> {
    return this.reports.listOnHost(a.hostId);
  }

  @Get('containers/:id')
  @UseGuards(AgentAuthGuard)
  @ApiOperation({ summary: 'Desired spec of one container on this host' })
  spec(@CurrentAgent() a: AgentPrincipal, @Param('id') id: string): Promise<AgentContainerSpec> {
    return this.reports.spec(a.hostId, id);
  }

  @Post('containers/:id/events')
  @HttpCode(200)
  @UseGuards(AgentAuthGuard)
  @ApiOperation({ summary: "Report a state change observed on the host, with the host's timestamp" })
  report(
    @CurrentAgent() a: AgentPrincipal,
    @Param('id') id: string,
    @Body() dto: AgentEventDto,
  ): Promise<AgentEventResult> {
    return this.reports.report(a.hostId, id, dto);
  }

  @Get('dataplane')
  @UseGuards(AgentAuthGuard)
  @ApiOperation({
    summary:
      "This host's data plane as it should be: networks (VNI, peers, members), ports with effective rules, floating IPs",
  })
  dataplaneOf(@CurrentAgent() a: AgentPrincipal): Promise<AgentDataplane> {
    return this.dataplane.forHost(a.hostId);
  }

  @Get('registry-credentials')
  @UseGuards(AgentAuthGuard)
  @ApiOperation({ summary: "A tenant's registry login, for a host that has that tenant's work" })
  credentials(
    @CurrentAgent() a: AgentPrincipal,
    @Query() q: AgentCredentialsQueryDto,
  ): Promise<RegistryCredentials> {
    return this.work.registryCredentials(a.hostId, q.tenantId, q.registry);
  }

  @Post('operations/:operationId/claim')
  @HttpCode(200)
  @UseGuards(AgentAuthGuard)
  // A container's claim carries the tenant's registry login. Agents' requests are not kept by the
  // idempotency store today; marked, as register is, so that this answer never would be in clear.
  @ReturnsSecret()
  @ApiOperation({
    summary:
      "Start on an operation queued for this host: everything its job needs, read in one snapshot (a container's spec, its registry login, this host's data plane; an exec's command; a pull's image; storage work), or `skip` when a newer generation overtook it or its container is gone",
  })
  claim(
    @CurrentAgent() a: AgentPrincipal,
    @Param('operationId') id: string,
    @Body() dto: AgentClaimDto,
  ): Promise<AgentWorkBundle> {
    return this.claims.claim(a.hostId, id, dto);
  }

  @Post('operations/:operationId/result')
  @HttpCode(204)
  @UseGuards(AgentAuthGuard)
  // An exec's output is bounded by the body size only (see COMMAND_OUTPUT_BODY_BYTES).
  @InputLimits(COMMAND_OUTPUT_LIMITS, COMMAND_OUTPUT_BODY_BYTES)
  @ApiOperation({
    summary:
      "What the host reports about an operation it claimed, by `type`: progress, an exec's exit code and output, a pull's image, a storage outcome, or a failure (a container's state changes are events)",
  })
  result(
    @CurrentAgent() a: AgentPrincipal,
    @Param('operationId') id: string,
    @Body() dto: AgentOperationResultDto,
  ): Promise<void> {
    return this.results.record(a.hostId, id, toResult(dto));
  }
}
