import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import {
  CONTAINER_NAME_PATTERN,
  DEFAULT_SIZE,
  MAX_VOLUMES_PER_CONTAINER,
  SIZE_NAMES,
  type SizeName,
} from '@berth/domain';
import { IsStringRecord } from '../../common/string-record.validator';

/** registry/repo[:tag][@digest], as Docker references them; checked loosely here, strictly at pull. */
export const IMAGE_REFERENCE_PATTERN = /^[a-z0-9][a-z0-9._\-/:@]*[a-z0-9]$|^[a-z0-9]$/i;

export class CreateContainerDto {
  @ApiProperty({ example: 'busybox:latest', description: 'An OCI image reference' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  @Matches(IMAGE_REFERENCE_PATTERN, { message: 'image must be an image reference such as busybox:latest' })
  image!: string;

  @ApiPropertyOptional({
    example: 'web-1',
    description: "Unique among the tenant's containers; generated when absent",
  })
  @IsOptional()
  @IsString()
  @Matches(CONTAINER_NAME_PATTERN, {
    message: 'name must be 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
  })
  name?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['sh', '-c', 'echo hello'],
    description: "Overrides the image's cmd",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  command?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { GREETING: 'hi' },
  })
  @IsOptional()
  @IsStringRecord({
    keyPattern: /^[A-Za-z_][A-Za-z0-9_]{0,255}$/,
    maxEntries: 256,
    maxValueLength: 32768,
    what: 'environment variables',
  })
  env?: Record<string, string>;

  @ApiPropertyOptional({ enum: SIZE_NAMES, default: DEFAULT_SIZE })
  @IsOptional()
  @IsIn(SIZE_NAMES as readonly string[], { message: `size must be one of ${SIZE_NAMES.join(', ')}` })
  size?: SizeName;

  @ApiPropertyOptional({
    example: 'on-failure:3',
    description: 'no, always, on-failure or on-failure:N',
    default: 'no',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  restartPolicy?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { app: 'web' } })
  @IsOptional()
  @IsStringRecord({ keyPattern: /^.{1,63}$/, maxEntries: 64, maxValueLength: 255, what: 'labels' })
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    type: [String],
    example: ['default', 'backend'],
    description:
      'Networks to join (ids or names), one NIC each in this order (eth0 first); default: your network named "default", made on first use',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  networks?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['pgdata:/var/lib/postgresql/data'],
    description:
      'Volumes to mount, as name:/path (a volume id works too). A name you have no volume by makes a 10 GB volume. The container runs on the host of its volumes, and each volume has one container at a time',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_VOLUMES_PER_CONTAINER)
  @IsString({ each: true })
  @MinLength(3, { each: true })
  @MaxLength(320, { each: true })
  volumes?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['web'],
    description:
      "Security groups to attach (ids or names). Without any, ingress is allowed from the container's own networks and all egress is allowed",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  securityGroups?: string[];
}
