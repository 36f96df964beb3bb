import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AcceptedView, Page, SnapshotView, VolumeView } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { IDEMPOTENCY_HEADER } from '../common/idempotency-header';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateSnapshotDto, CreateVolumeDto } from './dto/storage.dto';
import { SnapshotsService } from './snapshots.service';
import { VolumesService } from './volumes.service';

/** `:ref` is a volume's id or name. */
@ApiTags('volumes')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/volumes')
export class VolumesController {
  constructor(
    private readonly volumes: VolumesService,
    private readonly snapshots: SnapshotsService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary: 'Create an empty volume; its host formats it (ext4) when a container first mounts it',
  })
  create(@CurrentTenant() t: TenantPrincipal, @Body() dto: CreateVolumeDto): Promise<VolumeView> {
    return this.volumes.create(t.tenantId, dto.name, dto.sizeGb);
  }

  @Get()
  @ApiOperation({ summary: 'List your volumes' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<VolumeView>> {
    return this.volumes.list(t.tenantId, q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a volume, with its attachment and the GB-seconds it has accrued' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<VolumeView> {
    return this.volumes.get(t.tenantId, ref);
  }

  @Delete(':ref')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delete a detached volume and its data (its snapshots stay)' })
  delete(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<AcceptedView<VolumeView>> {
    return this.volumes.delete(t.tenantId, ref);
  }

  @Post(':ref/snapshots')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary: 'Snapshot a volume: crash-consistent while a container runs with it, exact when detached',
  })
  snapshot(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: CreateSnapshotDto,
  ): Promise<AcceptedView<SnapshotView>> {
    return this.snapshots.create(t.tenantId, ref, dto.name);
  }

  @Get(':ref/snapshots')
  @ApiOperation({ summary: "List a volume's snapshots" })
  listSnapshots(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<SnapshotView>> {
    return this.snapshots.list(t.tenantId, {
      volume: ref,
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
  }
}
