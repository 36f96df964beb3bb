import { Body, Controller, Delete, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ContainerView } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { IDEMPOTENCY_HEADER } from '../common/idempotency-header';
import { AttachSecurityGroupDto } from './dto/security-group.dto';
import { SecurityGroupsService } from './security-groups.service';

/** Security groups of a running (or stopped) container, changed after it was created. */
@ApiTags('security groups')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/containers')
export class ContainerSecurityGroupsController {
  constructor(private readonly groups: SecurityGroupsService) {}

  @Post(':ref/security-groups')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Attach a security group to a container; answers with the container' })
  attach(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: AttachSecurityGroupDto,
  ): Promise<ContainerView> {
    return this.groups.attach(t.tenantId, ref, dto.group);
  }

  @Delete(':ref/security-groups/:group')
  @ApiOperation({ summary: 'Detach a security group from a container; answers with the container' })
  detach(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Param('group') group: string,
  ): Promise<ContainerView> {
    return this.groups.detach(t.tenantId, ref, group);
  }
}
