import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedJoinTokenView, HostView, Page } from '@berth/contracts';
import { OperatorAuthGuard } from '../auth/guards';
import { PageQueryDto } from '../common/pagination.dto';
import { ReturnsSecret } from '../common/returns-secret.decorator';
import { HostsService } from './hosts.service';
import { ReadmitHostDto } from './join-token.dto';
import { JoinTokensService } from './join-tokens.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('v1/admin/hosts')
export class HostsController {
  constructor(
    private readonly hosts: HostsService,
    private readonly joinTokens: JoinTokensService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List hosts with capacity, reservations and state' })
  list(@Query() q: PageQueryDto): Promise<Page<HostView>> {
    return this.hosts.list(q.limit, q.cursor);
  }

  @Post(':ref/readmit')
  @HttpCode(201)
  @ReturnsSecret()
  @ApiOperation({
    summary:
      'Re-admit a host that lost its own token (by id or name): answers, once, a one-time token that registers that host only; its agent joins with it and gets a new host token',
  })
  readmit(@Param('ref') ref: string, @Body() dto: ReadmitHostDto): Promise<CreatedJoinTokenView> {
    return this.joinTokens.readmit(ref, dto);
  }
}
