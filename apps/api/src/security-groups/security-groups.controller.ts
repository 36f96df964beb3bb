import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Page, SecurityGroupView } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { IDEMPOTENCY_HEADER } from '../common/idempotency-header';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateSecurityGroupDto, SecurityRuleDto } from './dto/security-group.dto';
import { SecurityGroupsService } from './security-groups.service';

/** `:ref` is a security group id or its name. */
@ApiTags('security groups')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/security-groups')
export class SecurityGroupsController {
  constructor(private readonly groups: SecurityGroupsService) {}

  @Post()
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary: 'Create a security group (allows all egress unless its rules include an egress rule)',
  })
  create(
    @CurrentTenant() t: TenantPrincipal,
    @Body() dto: CreateSecurityGroupDto,
  ): Promise<SecurityGroupView> {
    return this.groups.create(t.tenantId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List security groups with their rules' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: PageQueryDto): Promise<Page<SecurityGroupView>> {
    return this.groups.list(t.tenantId, q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a security group with its rules' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<SecurityGroupView> {
    return this.groups.get(t.tenantId, ref);
  }

  @Delete(':ref')
  @ApiOperation({
    summary: 'Delete a security group that is attached to no container and named by no other rule',
  })
  remove(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<SecurityGroupView> {
    return this.groups.remove(t.tenantId, ref);
  }

  @Post(':ref/rules')
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary: 'Add an allow rule; answers with the group (adding an existing rule changes nothing)',
  })
  addRule(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: SecurityRuleDto,
  ): Promise<SecurityGroupView> {
    return this.groups.addRule(t.tenantId, ref, dto);
  }

  @Delete(':ref/rules/:ruleId')
  @ApiOperation({ summary: 'Remove a rule; answers with the group' })
  removeRule(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Param('ruleId') ruleId: string,
  ): Promise<SecurityGroupView> {
    return this.groups.removeRule(t.tenantId, ref, ruleId);
  }
}
