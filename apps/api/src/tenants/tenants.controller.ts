import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedApiKeyView, Page, TenantView } from '@berth/contracts';
import { OperatorAuthGuard } from '../auth/guards';
import { PageQueryDto } from '../common/pagination.dto';
import { ReturnsSecret } from '../common/returns-secret.decorator';
import { CreateTenantDto } from './tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('v1/admin/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @HttpCode(201)
  @ReturnsSecret()
  @ApiOperation({ summary: 'Create a tenant and its first API key (shown once)' })
  create(@Body() dto: CreateTenantDto): Promise<{ tenant: TenantView; apiKey: CreatedApiKeyView }> {
    return this.tenants.create(dto.name);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants' })
  list(@Query() q: PageQueryDto): Promise<Page<TenantView>> {
    return this.tenants.list(q.limit, q.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Show a tenant' })
  get(@Param('id') id: string): Promise<TenantView> {
    return this.tenants.get(id);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend a tenant: its API keys stop working, its objects are kept' })
  suspend(@Param('id') id: string): Promise<TenantView> {
    return this.tenants.setSuspended(id, true);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a suspension' })
  reactivate(@Param('id') id: string): Promise<TenantView> {
    return this.tenants.setSuspended(id, false);
  }
}
