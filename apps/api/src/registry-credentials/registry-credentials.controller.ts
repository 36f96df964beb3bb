import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { RegistryCredentialView } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { RegistryCredentialsService } from './registry-credentials.service';

/** host[:port] as it appears at the start of an image reference. */
export const REGISTRY_HOST_PATTERN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/i;

export class PutRegistryCredentialDto {
  @ApiProperty({ example: 'registry.example.com:5000' })
  @IsString()
  @Matches(REGISTRY_HOST_PATTERN, { message: 'registry must be a host name with an optional :port' })
  @MaxLength(255)
  registry!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  username!: string;

  @ApiProperty({ description: 'Stored encrypted; never shown again' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  password!: string;
}

@ApiTags('images')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/registry-credentials')
export class RegistryCredentialsController {
  constructor(private readonly creds: RegistryCredentialsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Store (or replace) the login berth uses to pull your private images from a registry',
  })
  put(
    @CurrentTenant() t: TenantPrincipal,
    @Body() dto: PutRegistryCredentialDto,
  ): Promise<RegistryCredentialView> {
    return this.creds.put(t.tenantId, dto.registry.toLowerCase(), dto.username, dto.password);
  }

  @Get()
  @ApiOperation({ summary: 'List stored registry logins (passwords are never shown)' })
  async list(@CurrentTenant() t: TenantPrincipal): Promise<{ data: RegistryCredentialView[] }> {
    return { data: await this.creds.list(t.tenantId) };
  }

  @Delete(':registry')
  @ApiOperation({ summary: 'Forget the login for a registry' })
  remove(
    @CurrentTenant() t: TenantPrincipal,
    @Param('registry') registry: string,
  ): Promise<RegistryCredentialView> {
    return this.creds.remove(t.tenantId, registry.toLowerCase());
  }
}
