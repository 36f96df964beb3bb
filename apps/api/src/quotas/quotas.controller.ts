import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { QuotasView } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { QuotasService } from './quotas.service';

@ApiTags('quotas')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/quotas')
export class QuotasController {
  constructor(private readonly quotas: QuotasService) {}

  @Get()
  @ApiOperation({
    summary:
      'Your quotas (containers, vCPUs, memory, volume GB, snapshots, floating IPs, networks) and usage',
  })
  get(@CurrentTenant() t: TenantPrincipal): Promise<QuotasView> {
    return this.quotas.view(t.tenantId);
  }
}
