import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedJoinTokenView, JoinTokenView, Page } from '@berth/contracts';
import { OperatorAuthGuard } from '../auth/guards';
import { PageQueryDto } from '../common/pagination.dto';
import { ReturnsSecret } from '../common/returns-secret.decorator';
import { CreateJoinTokenDto } from './join-token.dto';
import { JoinTokensService } from './join-tokens.service';

/** The operator's join tokens: what agents of new hosts register with (see join-tokens.service.ts). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('v1/admin/join-tokens')
export class JoinTokensController {
  constructor(private readonly joinTokens: JoinTokensService) {}

  @Post()
  @HttpCode(201)
  @ReturnsSecret()
  @ApiOperation({ summary: 'Make a join token for new hosts; the token is shown in this answer only' })
  create(@Body() dto: CreateJoinTokenDto): Promise<CreatedJoinTokenView> {
    return this.joinTokens.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List join and re-admission tokens: prefix, expiry, last use (never the secret)' })
  list(@Query() q: PageQueryDto): Promise<Page<JoinTokenView>> {
    return this.joinTokens.list(q.limit, q.cursor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a join or re-admission token; it stops working at once' })
  remove(@Param('id') id: string): Promise<void> {
    return this.joinTokens.remove(id);
  }
}
