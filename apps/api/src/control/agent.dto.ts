import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type {
  AgentEventName,
  AgentOperationResult,
  AgentOperationResultType,
  HostTemplateView,
  StartPath,
} from '@berth/contracts';
import { MAX_HOST_TEMPLATES, MAX_TEMPLATE_ERROR_CHARS } from '@berth/domain';

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

  @ApiPropertyOptional({
    description:
      'With a join token: a random key (32 bytes, base64url) the agent keeps from before its first join. ' +
      'A join repeated with it before the host used its token is answered again, with a new token',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'joinKey must be 32 random bytes in base64url (43 characters)' })
  joinKey?: string;
}

const TEMPLATE_STATES: readonly HostTemplateView['state'][] = ['building', 'ready', 'failed'];

/** One of the host's VM templates, as its agent reports it (every field bounded: the agent is not trusted). */
export class HostTemplateDto implements HostTemplateView {
  @ApiProperty({ description: 'The template key (a hash of kernel, init, size and device layout)' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/)
  key!: string;

  @ApiProperty({ enum: TEMPLATE_STATES })
  @IsIn(TEMPLATE_STATES as string[])
  state!: HostTemplateView['state'];

  @ApiProperty() @IsInt() @Min(1) @Max(4096) vcpu!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(64 * 1024 * 1024) memoryMib!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(256) disks!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(256) nics!: number;

  @ApiProperty({ type: String, nullable: true })
  @ValidateIf((_o, v) => v !== null)
  @IsISO8601({ strict: true })
  builtAt!: string | null;

  @ApiProperty({ description: 'Machines started from it since the agent started' })
  @IsInt()
  @Min(0)
  clones!: number;

  @ApiProperty({ type: String, nullable: true })
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(MAX_TEMPLATE_ERROR_CHARS)
  error!: string | null;
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

  @ApiPropertyOptional({
    type: [HostTemplateDto],
    maxItems: MAX_HOST_TEMPLATES,
    description: "The host's VM templates now; absent: left as they were",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_HOST_TEMPLATES)
  @ValidateNested({ each: true })
  @Type(() => HostTemplateDto)
  templates?: HostTemplateDto[];

  @ApiPropertyOptional({
    description: "The last loss (a heartbeat answer's lossEpoch) after which the agent finished a resync",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  resyncedEpoch?: number;
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

const START_PATHS: readonly StartPath['path'][] = ['template', 'cold', 'simulated'];

/** How the host started a machine (with `agent.running`). */
export class StartPathDto implements StartPath {
  @ApiProperty({ enum: START_PATHS })
  @IsIn(START_PATHS as string[])
  path!: StartPath['path'];

  @ApiPropertyOptional({ description: 'The VM template used, or the one that did not restore' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/)
  template?: string;

  @ApiPropertyOptional({ description: 'Why the template was not used; the machine booted cold' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEMPLATE_ERROR_CHARS)
  fallback?: string;
}

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

  @ApiPropertyOptional({
    type: StartPathDto,
    description: 'With agent.running after a start: how it started',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => StartPathDto)
  start?: StartPathDto;

  @ApiPropertyOptional({
    description:
      "With agent.running after a restart on the host: when the machine it replaces stopped, by the host's clock",
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  stoppedAt?: string;

  @ApiPropertyOptional({
    description:
      'The host did not see this end: `at` is its last heartbeat before (never before its last report)',
  })
  @IsOptional()
  @IsBoolean()
  unseen?: boolean;
}

export class AgentCredentialsQueryDto {
  @ApiProperty() @IsString() @MaxLength(64) tenantId!: string;
  @ApiProperty() @IsString() @MaxLength(255) registry!: string;
}

export class AgentClaimDto {
  @ApiProperty({ description: "When the host started on it, by the host's own clock" })
  @IsISO8601({ strict: true })
  at!: string;

  @ApiPropertyOptional({ description: "The job's generation (container work); the operation's when absent" })
  @IsOptional()
  @IsInt()
  @Min(0)
  generation?: number;
}

const RESULT_TYPES: readonly AgentOperationResultType[] = ['progress', 'exec', 'image', 'storage', 'failure'];

const is =
  (...types: AgentOperationResultType[]) =>
  (o: AgentOperationResultDto): boolean =>
    types.includes(o.type);

/**
 * One of the results of AgentOperationResult, told apart by `type`; each field is checked only for the
 * types that carry it (and required where that type requires it), and `toResult` keeps only those.
 */
export class AgentOperationResultDto {
  @ApiProperty({ enum: RESULT_TYPES })
  @IsIn(RESULT_TYPES as string[])
  type!: AgentOperationResultType;

  @ApiPropertyOptional({ example: 'downloading', description: 'progress' })
  @ValidateIf(is('progress'))
  @IsString()
  @MaxLength(32)
  phase?: string;

  @ApiPropertyOptional({ description: 'progress' })
  @ValidateIf(is('progress'))
  @IsOptional()
  @IsInt()
  @Min(0)
  bytesDone?: number;

  @ApiPropertyOptional({ description: 'progress' })
  @ValidateIf(is('progress'))
  @IsOptional()
  @IsInt()
  @Min(0)
  bytesTotal?: number;

  @ApiPropertyOptional({ description: 'progress' })
  @ValidateIf(is('progress'))
  @IsOptional()
  @IsString()
  @MaxLength(500)
  message?: string;

  @ApiPropertyOptional({ description: 'exec' })
  @ValidateIf(is('exec'))
  @IsInt()
  @Min(-1)
  @Max(255)
  exitCode?: number;

  @ApiPropertyOptional({ description: 'exec' })
  @ValidateIf(is('exec'))
  @IsString()
  @MaxLength(2 * 1024 * 1024)
  stdout?: string;

  @ApiPropertyOptional({ description: 'exec' })
  @ValidateIf(is('exec'))
  @IsString()
  @MaxLength(2 * 1024 * 1024)
  stderr?: string;

  @ApiPropertyOptional({ description: 'image' })
  @ValidateIf(is('image'))
  @IsString()
  @Matches(/^sha256:[0-9a-f]{64}$/)
  digest?: string;

  @ApiPropertyOptional({ description: 'image' })
  @ValidateIf(is('image'))
  @IsInt()
  @Min(0)
  sizeBytes?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'image' })
  @ValidateIf(is('image'))
  @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'storage: bytes the host stores for a new snapshot' })
  @ValidateIf(is('storage'))
  @IsOptional()
  @IsInt()
  @Min(0)
  storedBytes?: number;

  @ApiPropertyOptional({ description: 'storage: whether a new snapshot was taken from a running machine' })
  @ValidateIf(is('storage'))
  @IsOptional()
  @IsBoolean()
  live?: boolean;

  @ApiPropertyOptional({ type: AgentErrorDto, description: 'failure' })
  @ValidateIf(is('failure'))
  @ValidateNested()
  @Type(() => AgentErrorDto)
  error?: AgentErrorDto;
}

/** The validated DTO as the typed union, with only the fields of its type. */
export function toResult(d: AgentOperationResultDto): AgentOperationResult {
  switch (d.type) {
    case 'progress':
      return {
        type: 'progress',
        phase: d.phase!,
        ...(d.bytesDone !== undefined ? { bytesDone: d.bytesDone } : {}),
        ...(d.bytesTotal !== undefined ? { bytesTotal: d.bytesTotal } : {}),
        ...(d.message !== undefined ? { message: d.message } : {}),
      };
    case 'exec':
      return { type: 'exec', exitCode: d.exitCode!, stdout: d.stdout!, stderr: d.stderr! };
    case 'image':
      return { type: 'image', digest: d.digest!, sizeBytes: d.sizeBytes!, config: d.config! };
    case 'storage':
      return {
        type: 'storage',
        ...(d.storedBytes !== undefined ? { storedBytes: d.storedBytes } : {}),
        ...(d.live !== undefined ? { live: d.live } : {}),
      };
    case 'failure':
      return { type: 'failure', error: { code: d.error!.code, message: d.error!.message } };
  }
}
