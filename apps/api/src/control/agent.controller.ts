import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type {
  AgentContainerSpec,
  AgentEventResult,
  HeartbeatResponse,
  RegisterHostResponse,
} from '@berth/contracts';
import { AgentAuthGuard, AgentJoinAuthGuard } from '../auth/guards';
import { CurrentAgent } from '../auth/principal.decorator';
import type { AgentPrincipal } from '../auth/principal';
import { HostsService } from '../hosts/hosts.service';
import { AgentEventDto, HeartbeatDto, RegisterHostDto } from './agent.dto';
import { ContainerReportsService } from './container-reports.service';

/** Endpoints for host agents only. A host sees and reports on the containers placed on it, no others. */
@ApiTags('agent')
@ApiBearerAuth()
@Controller('v1/agent')
export class AgentController {
  constructor(
    private readonly hosts: HostsService,
    private readonly reports: ContainerReportsService,
  ) {}

  @Post('register')
  @HttpCode(200)
  @UseGuards(AgentJoinAuthGuard)
  @ApiOperation({ summary: 'Register (or re-register) a host with the join token; returns its own token' })
  register(@Body() dto: RegisterHostDto): Promise<RegisterHostResponse> {
    return this.hosts.register(dto);
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
}
