import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  CONTAINER_NAME_PATTERN,
  PORT_MAX,
  PORT_MIN,
  RULE_DIRECTIONS,
  RULE_PROTOCOLS,
  type RuleDirection,
  type RuleProtocol,
} from '@berth/domain';

const NAME_MESSAGE = 'name must be 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit';

/** One allow rule. The cross-field rules (ports only for tcp/udp, cidr xor remoteGroup) are the domain's. */
export class SecurityRuleDto {
  @ApiProperty({ enum: RULE_DIRECTIONS })
  @IsIn(RULE_DIRECTIONS as readonly string[], {
    message: `direction must be one of ${RULE_DIRECTIONS.join(', ')}`,
  })
  direction!: RuleDirection;

  @ApiProperty({ enum: RULE_PROTOCOLS })
  @IsIn(RULE_PROTOCOLS as readonly string[], {
    message: `protocol must be one of ${RULE_PROTOCOLS.join(', ')}`,
  })
  protocol!: RuleProtocol;

  @ApiPropertyOptional({
    minimum: PORT_MIN,
    maximum: PORT_MAX,
    description: 'tcp and udp only; absent means every port',
  })
  @IsOptional()
  @IsInt()
  @Min(PORT_MIN)
  @Max(PORT_MAX)
  portFrom?: number;

  @ApiPropertyOptional({
    minimum: PORT_MIN,
    maximum: PORT_MAX,
    description: 'Last port of the range; defaults to portFrom',
  })
  @IsOptional()
  @IsInt()
  @Min(PORT_MIN)
  @Max(PORT_MAX)
  portTo?: number;

  @ApiPropertyOptional({
    example: '0.0.0.0/0',
    description: 'Peer addresses (a block, or one address); exactly one of cidr and remoteGroup',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cidr?: string;

  @ApiPropertyOptional({
    example: 'web',
    description: "One of your security groups (id or name): its members' addresses are the peers",
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  remoteGroup?: string;
}

export class CreateSecurityGroupDto {
  @ApiProperty({ example: 'web', description: 'Unique among your security groups' })
  @IsString()
  @Matches(CONTAINER_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;

  @ApiPropertyOptional({ example: 'public web servers' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;

  @ApiPropertyOptional({
    type: [SecurityRuleDto],
    description:
      'Initial rules. Unless one of them is an egress rule, the group also gets "egress all to 0.0.0.0/0"',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(60)
  @ValidateNested({ each: true })
  @Type(() => SecurityRuleDto)
  rules?: SecurityRuleDto[];
}

export class AttachSecurityGroupDto {
  @ApiProperty({ example: 'web', description: 'A security group id or name' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  group!: string;
}
