import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HostView, Page } from '@berth/contracts';
import { OperatorAuthGuard } from '../auth/guards';
import { PageQueryDto } from '../common/pagination.dto';
import { HostsService } from './hosts.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('v1/admin/hosts')
export class HostsController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  @ApiOperation({ summary: 'List hosts with capacity, reservations and state' })
  list(@Query() q: PageQueryDto): Promise<Page<HostView>> {
    return this.hosts.list(q.limit, q.cursor);
  }
}
