import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AcceptedView, ContainerView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { ContainersService } from './containers.service';
import { CreateContainerDto } from './dto/create-container.dto';
import { DeleteContainerQueryDto } from './dto/delete-container.dto';
import { ListContainersDto } from './dto/list-containers.dto';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same key and body: the first answer again. Same key, other body: 409.',
};

/** `:ref` is a container id or its name. Actions answer 202 with the operation that carries them out. */
@ApiTags('containers')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/containers')
export class ContainersController {
  constructor(private readonly containers: ContainersService) {}

  @Post()
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Create and start a container' })
  create(
    @CurrentTenant() t: TenantPrincipal,
    @Body() dto: CreateContainerDto,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.create(t.tenantId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List containers (deleted ones are not listed)' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: ListContainersDto): Promise<Page<ContainerView>> {
    return this.containers.list(t.tenantId, q);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a container' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<ContainerView> {
    return this.containers.get(t.tenantId, ref);
  }

  @Post(':ref/start')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Start a stopped, exited or failed container' })
  start(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'start');
  }

  @Post(':ref/stop')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Stop a container: the workload is signalled, then killed after a timeout' })
  stop(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'stop');
  }

  @Post(':ref/restart')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Restart a container' })
  restart(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'restart');
  }

  @Delete(':ref')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delete a container; a running one needs force=true' })
  remove(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Query() q: DeleteContainerQueryDto,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'delete', { force: q.force === 'true' });
  }
}
