import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FloatingIpView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { IDEMPOTENCY_HEADER } from '../common/idempotency-header';
import { PageQueryDto } from '../common/pagination.dto';
import { AllocateFloatingIpDto, AttachFloatingIpDto, NameFloatingIpDto } from './dto/floating-ip.dto';
import { FloatingIpsService } from './floating-ips.service';

/** `:ref` is a floating IP's id, its address or its name. */
@ApiTags('floating IPs')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/fips')
export class FloatingIpsController {
  constructor(private readonly fips: FloatingIpsService) {}

  @Post()
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Allocate a floating IP from the public pool (within your quota)' })
  allocate(@CurrentTenant() t: TenantPrincipal, @Body() dto: AllocateFloatingIpDto): Promise<FloatingIpView> {
    return this.fips.allocate(t.tenantId, dto.name);
  }

  @Get()
  @ApiOperation({ summary: 'List your floating IPs' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<FloatingIpView>> {
    return this.fips.list(t.tenantId, q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a floating IP' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<FloatingIpView> {
    return this.fips.get(t.tenantId, ref);
  }

  @Post(':ref/name')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Name (or, with null, unname) a floating IP' })
  rename(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: NameFloatingIpDto,
  ): Promise<FloatingIpView> {
    return this.fips.rename(t.tenantId, ref, dto.name);
  }

  @Post(':ref/attach')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Point a floating IP at one of your containers' })
  attach(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: AttachFloatingIpDto,
  ): Promise<FloatingIpView> {
    return this.fips.attach(t.tenantId, ref, dto.container);
  }

  @Post(':ref/detach')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Detach a floating IP from its container' })
  detach(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<FloatingIpView> {
    return this.fips.detach(t.tenantId, ref);
  }

  @Delete(':ref')
  @ApiOperation({ summary: 'Release a detached floating IP back to the pool' })
  release(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<FloatingIpView> {
    return this.fips.release(t.tenantId, ref);
  }
}
