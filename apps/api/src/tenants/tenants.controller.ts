import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedApiKeyView, Page, QuotasView, TenantDetailView, TenantView } from '@berth/contracts';
import type { TenantId } from '@berth/domain';
import { OperatorAuthGuard } from '../auth/guards';
import { PageQueryDto } from '../common/pagination.dto';
import { ReturnsSecret } from '../common/returns-secret.decorator';
import { QuotasService } from '../quotas/quotas.service';
import { SetQuotasDto } from '../quotas/set-quotas.dto';
import { CreateTenantDto } from './tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('v1/admin/tenants')
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly quotas: QuotasService,
  ) {}

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
  @ApiOperation({ summary: 'Show a tenant, with its quotas and usage' })
  async get(@Param('id') id: string): Promise<TenantDetailView> {
    const tenant = await this.tenants.get(id);
    return { ...tenant, quotas: (await this.quotas.view(tenant.id as TenantId)).limits };
  }

  @Post(':id/quotas')
  @HttpCode(200)
  @ApiOperation({
    summary: "Set a tenant's quotas (partial: null resets a limit to the default); answers them with usage",
  })
  setQuotas(@Param('id') id: string, @Body() dto: SetQuotasDto): Promise<QuotasView> {
    return this.quotas.set(id, dto);
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
