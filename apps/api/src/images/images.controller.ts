import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { AcceptedView, ImageView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { PageQueryDto } from '../common/pagination.dto';
import { IMAGE_REFERENCE_PATTERN } from '../containers/dto/create-container.dto';
import { ImagesService } from './images.service';

export class PullImageDto {
  @ApiProperty({ example: 'busybox:latest' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  @Matches(IMAGE_REFERENCE_PATTERN, { message: 'image must be an image reference such as busybox:latest' })
  image!: string;
}

@ApiTags('images')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post('pull')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Pull an image (with your stored registry login, if any); follow the operation for progress',
  })
  pull(@CurrentTenant() t: TenantPrincipal, @Body() dto: PullImageDto): Promise<AcceptedView<ImageView>> {
    return this.images.pull(t.tenantId, dto.image);
  }

  @Get()
  @ApiOperation({ summary: 'List images' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<ImageView>> {
    return this.images.list(t.tenantId, q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show an image (by id or reference)' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<ImageView> {
    return this.images.get(t.tenantId, ref);
  }

  @Delete(':ref')
  @ApiOperation({ summary: 'Remove an image (by id or reference)' })
  remove(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<ImageView> {
    return this.images.remove(t.tenantId, ref);
  }
}
