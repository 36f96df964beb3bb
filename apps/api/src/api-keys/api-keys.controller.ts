import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { ApiKeyView, CreatedApiKeyView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { PageQueryDto } from '../common/pagination.dto';
import { ReturnsSecret } from '../common/returns-secret.decorator';
import { ApiKeysService } from './api-keys.service';

export class CreateApiKeyDto {
  @ApiProperty({ required: false, example: 'ci', description: 'A label to recognise the key by.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

@ApiTags('api-keys')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @ReturnsSecret()
  @ApiOperation({ summary: 'Create an API key; its secret is shown in this answer only' })
  create(@CurrentTenant() t: TenantPrincipal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    return this.keys.create(t.tenantId, dto.name ?? 'unnamed');
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (secrets are never shown)' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<ApiKeyView>> {
    return this.keys.list(t.tenantId, q.limit, q.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Show one API key' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.get(t.tenantId, id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  revoke(@CurrentTenant() t: TenantPrincipal, @Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.revoke(t.tenantId, id);
  }
}
