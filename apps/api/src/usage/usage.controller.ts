import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { InvoiceListView, InvoiceView, LiveUsageView, UsageReportView } from '@berth/contracts';
import { USAGE_GROUPINGS, USAGE_SPLITS, type UsageGrouping, type UsageSplit } from '@berth/domain';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { UsageService } from './usage.service';

export class UsageQueryDto {
  @ApiPropertyOptional({ example: '2026-11', description: 'A UTC calendar month; or give from/to' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  period?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'Default: the start of this month' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-22T12:00:00Z', description: 'Default: now' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ enum: USAGE_GROUPINGS, default: 'type' })
  @IsOptional()
  @IsIn(USAGE_GROUPINGS as readonly string[], {
    message: `groupBy must be one of ${USAGE_GROUPINGS.join(', ')}`,
  })
  groupBy?: UsageGrouping;

  @ApiPropertyOptional({
    enum: USAGE_SPLITS,
    description: 'With groupBy=day or hour: one series per size or type',
  })
  @IsOptional()
  @IsIn(USAGE_SPLITS as readonly string[], { message: `splitBy must be one of ${USAGE_SPLITS.join(', ')}` })
  splitBy?: UsageSplit;
}

@ApiTags('usage and billing')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get('usage')
  @ApiOperation({
    summary: 'Usage and its cost over a period, by container, size, resource type, day or meter',
  })
  report(@CurrentTenant() t: TenantPrincipal, @Query() q: UsageQueryDto): Promise<UsageReportView> {
    return this.usage.report(t.tenantId, q);
  }

  @Get('usage/live')
  @ApiOperation({ summary: 'What is accruing now: this period so far, the rate per second, and what runs' })
  live(@CurrentTenant() t: TenantPrincipal): Promise<LiveUsageView> {
    return this.usage.live(t.tenantId);
  }

  @Get('invoices')
  @ApiOperation({ summary: 'The current draft and past monthly invoices, with line items' })
  invoices(@CurrentTenant() t: TenantPrincipal): Promise<InvoiceListView> {
    return this.usage.invoices(t.tenantId);
  }

  @Get('invoices/:id')
  @ApiOperation({ summary: 'One monthly invoice (id: YYYY-MM)' })
  invoice(@CurrentTenant() t: TenantPrincipal, @Param('id') id: string): Promise<InvoiceView> {
    return this.usage.invoice(t.tenantId, id);
  }
}
