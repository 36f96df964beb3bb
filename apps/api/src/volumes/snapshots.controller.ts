import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AcceptedView, Page, SnapshotView, VolumeView } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { IDEMPOTENCY_HEADER } from '../common/idempotency-header';
import { PageQueryDto } from '../common/pagination.dto';
import { RestoreSnapshotDto } from './dto/storage.dto';
import { SnapshotsService } from './snapshots.service';

/** `:ref` is a snapshot's id or name. Snapshots are made through POST /v1/volumes/:ref/snapshots. */
@ApiTags('snapshots')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/snapshots')
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Get()
  @ApiOperation({ summary: 'List your snapshots (including those whose volume is gone)' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<SnapshotView>> {
    return this.snapshots.list(t.tenantId, {
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a snapshot' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<SnapshotView> {
    return this.snapshots.get(t.tenantId, ref);
  }

  @Delete(':ref')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delete a snapshot' })
  delete(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
  ): Promise<AcceptedView<SnapshotView>> {
    return this.snapshots.delete(t.tenantId, ref);
  }

  @Post(':ref/restore')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: "Restore a snapshot into a new volume, on the snapshot's host" })
  restore(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: RestoreSnapshotDto,
  ): Promise<AcceptedView<VolumeView>> {
    return this.snapshots.restore(t.tenantId, ref, dto.name, dto.sizeGb);
  }
}
