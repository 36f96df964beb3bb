import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { OperationView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { PageQueryDto } from '../common/pagination.dto';
import { OperationsService } from './operations.service';

export class WaitQueryDto {
  @ApiPropertyOptional({
    description: 'Seconds to hold the request until the operation ends',
    minimum: 0,
    maximum: 600,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600)
  wait?: number;
}

export class ListOperationsDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only operations on this object id' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  targetId?: string;
}

@ApiTags('operations')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @ApiOperation({ summary: 'List operations, newest first' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: ListOperationsDto): Promise<Page<OperationView>> {
    return this.operations.list(t.tenantId, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Show an operation; ?wait=N holds until it ends or N seconds pass' })
  get(
    @CurrentTenant() t: TenantPrincipal,
    @Param('id') id: string,
    @Query() q: WaitQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OperationView> {
    // Stop polling when the client goes away (the response closes before we answer).
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    return this.operations.get(t.tenantId, id, q.wait ?? 0, aborted.signal);
  }
}
