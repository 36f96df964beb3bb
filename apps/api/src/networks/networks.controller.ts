import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NetworkView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { IDEMPOTENCY_HEADER } from '../common/idempotency-header';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateNetworkDto } from './dto/create-network.dto';
import { NetworksService } from './networks.service';

/** `:ref` is a network id or its name. */
@ApiTags('networks')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/networks')
export class NetworksController {
  constructor(private readonly networks: NetworksService) {}

  @Post()
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Create a private network' })
  create(@CurrentTenant() t: TenantPrincipal, @Body() dto: CreateNetworkDto): Promise<NetworkView> {
    return this.networks.create(t.tenantId, dto.name, dto.cidr);
  }

  @Get()
  @ApiOperation({ summary: 'List networks' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<NetworkView>> {
    return this.networks.list(t.tenantId, q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a network' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<NetworkView> {
    return this.networks.get(t.tenantId, ref);
  }

  @Delete(':ref')
  @ApiOperation({ summary: 'Delete a network that no container is on' })
  remove(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<NetworkView> {
    return this.networks.remove(t.tenantId, ref);
  }
}
