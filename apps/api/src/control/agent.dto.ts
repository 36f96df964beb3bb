import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { AgentEventName } from '@berth/contracts';

export class CapacityDto {
  @ApiProperty() @IsInt() @Min(1) @Max(4096) vcpu!: number;
  @ApiProperty() @IsInt() @Min(64) @Max(64 * 1024 * 1024) memoryMib!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(1024 * 1024) diskGib!: number;

  @ApiPropertyOptional({ description: "GiB the host's volume pool offers; absent or 0: no volumes" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1024 * 1024 * 1024)
  volumeGib?: number;
}

export class RegisterHostDto {
  @ApiProperty({ example: 'host-1' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.-]{0,62}$/i, { message: 'name must be letters, digits, dots and dashes' })
  name!: string;

  @ApiProperty({ example: '10.0.0.5' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  address!: string;

  @ApiProperty({ type: CapacityDto })
  @ValidateNested()
  @Type(() => CapacityDto)
  capacity!: CapacityDto;

  @ApiProperty({ example: 'hollow' })
  @IsString()
  @Matches(/^[a-z0-9-]{1,32}$/)
  driver!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  capabilities!: Record<string, unknown>;

  @ApiProperty({ example: '0.1.0' })
  @IsString()
  @MaxLength(64)
  agentVersion!: string;

  @ApiPropertyOptional({
    description: "With the host's own token: issue a new host token (the old one stops working at once)",
  })
  @IsOptional()
  @IsBoolean()
  rotateToken?: boolean;
}

export class HeartbeatDto {
  @ApiProperty({ description: "The host's own clock" })
  @IsISO8601({ strict: true })
  at!: string;

  @ApiProperty()
  @IsInt()
  @Min(0)
  machines!: number;

  @ApiPropertyOptional({ description: "GiB the host's volume pool offers now" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1024 * 1024 * 1024)
  volumeGib?: number;
}

export class AgentErrorDto {
  @ApiProperty() @IsString() @MaxLength(100) code!: string;
  @ApiProperty() @IsString() @MaxLength(4000) message!: string;
}

const AGENT_EVENTS: readonly AgentEventName[] = [
  'agent.creating',
  'agent.running',
  'agent.stopped',
  'agent.exited',
  'agent.failed',
  'agent.deleted',
];

export class AgentEventDto {
  @ApiProperty({ enum: AGENT_EVENTS })
  @IsIn(AGENT_EVENTS as string[])
  event!: AgentEventName;

  @ApiProperty({ description: "When it happened, by the host's own clock" })
  @IsISO8601({ strict: true })
  at!: string;

  @ApiProperty()
  @IsInt()
  @Min(0)
  generation!: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  operationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(-255)
  @Max(255)
  exitCode?: number;

  @ApiPropertyOptional({ type: AgentErrorDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AgentErrorDto)
  error?: AgentErrorDto;
}

export class AgentExecResultDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(-1) @Max(255) exitCode?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2 * 1024 * 1024) stdout?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2 * 1024 * 1024) stderr?: string;

  @ApiPropertyOptional({ type: AgentErrorDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AgentErrorDto)
  error?: AgentErrorDto;
}

export class AgentImageResultDto {
  @ApiProperty() @IsString() @MaxLength(64) operationId!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^sha256:[0-9a-f]{64}$/) digest?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) sizeBytes?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ type: AgentErrorDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AgentErrorDto)
  error?: AgentErrorDto;
}

export class AgentProgressDto {
  @ApiProperty({ example: 'downloading' }) @IsString() @MaxLength(32) phase!: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) bytesDone?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) bytesTotal?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) message?: string;
}

export class AgentCredentialsQueryDto {
  @ApiProperty() @IsString() @MaxLength(64) tenantId!: string;
  @ApiProperty() @IsString() @MaxLength(255) registry!: string;
}

export class AgentStorageResultDto {
  @ApiPropertyOptional({ type: AgentErrorDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AgentErrorDto)
  error?: AgentErrorDto;

  @ApiPropertyOptional({ description: 'Bytes the host stores for a new snapshot' })
  @IsOptional()
  @IsInt()
  @Min(0)
  storedBytes?: number;

  @ApiPropertyOptional({ description: 'Whether a new snapshot was taken from a running machine' })
  @IsOptional()
  @IsBoolean()
  live?: boolean;
}
