import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { BillingDeadLetterView, BillingReconciliationView, Page } from '@berth/contracts';
import { DEFAULT_PAGE_LIMIT } from '@berth/db';
import { OperatorAuthGuard } from '../auth/guards';
import { PageQueryDto } from '../common/pagination.dto';
import { BillingAdminService } from './billing-admin.service';

export class ReconciliationsQueryDto extends PickType(PageQueryDto, ['limit'] as const) {
  @ApiPropertyOptional({ description: 'only passes that found drift', enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  drift?: 'true' | 'false';
}

/** The operator's view of billing against Stripe (see billing-admin.service.ts). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('v1/admin/billing')
export class BillingAdminController {
  constructor(private readonly billing: BillingAdminService) {}

  @Get('dead-letters')
  @ApiOperation({
    summary: 'Usage the billing worker gave up on: refused by Stripe for good, or past the identifier window',
  })
  deadLetters(@Query() q: PageQueryDto): Promise<Page<BillingDeadLetterView>> {
    return this.billing.deadLetters(q.limit, q.cursor);
  }

  @Get('reconciliations')
  @ApiOperation({
    summary: "The billing worker's latest reconciliation passes against Stripe, newest first, with any drift",
  })
  reconciliations(@Query() q: ReconciliationsQueryDto): Promise<{ data: BillingReconciliationView[] }> {
    return this.billing.reconciliations(q.limit ?? DEFAULT_PAGE_LIMIT, q.drift === 'true');
  }
}
