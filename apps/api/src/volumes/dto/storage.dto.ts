import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  DEFAULT_VOLUME_GIB,
  VOLUME_MAX_GIB,
  VOLUME_MIN_GIB,
  VOLUME_NAME_PATTERN,
  VOLUME_NAME_RULE,
} from '@berth/domain';

const NAME_MESSAGE = `name must be ${VOLUME_NAME_RULE}`;
const SIZE_MESSAGE = `sizeGb must be a whole number from ${VOLUME_MIN_GIB} to ${VOLUME_MAX_GIB}`;

export class CreateVolumeDto {
  @ApiProperty({ example: 'pgdata', description: 'Unique among your volumes' })
  @IsString()
  @Matches(VOLUME_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;

  @ApiPropertyOptional({
    minimum: VOLUME_MIN_GIB,
    maximum: VOLUME_MAX_GIB,
    default: DEFAULT_VOLUME_GIB,
    description: 'Size in GB (GiB, 2^30 bytes)',
  })
  @IsOptional()
  @IsInt({ message: SIZE_MESSAGE })
  @Min(VOLUME_MIN_GIB, { message: SIZE_MESSAGE })
  @Max(VOLUME_MAX_GIB, { message: SIZE_MESSAGE })
  sizeGb?: number;
}

export class CreateSnapshotDto {
  @ApiPropertyOptional({
    example: 'pgdata-nightly',
    description: 'Unique among your snapshots; generated when absent',
  })
  @IsOptional()
  @IsString()
  @Matches(VOLUME_NAME_PATTERN, { message: NAME_MESSAGE })
  name?: string;
}

export class RestoreSnapshotDto {
  @ApiProperty({ example: 'pgdata-restored', description: "The new volume's name" })
  @IsString()
  @Matches(VOLUME_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;

  @ApiPropertyOptional({
    description:
      "Size of the new volume in GB; at least the snapshot's (the default); a larger one has its filesystem grown",
  })
  @IsOptional()
  @IsInt({ message: SIZE_MESSAGE })
  @Min(VOLUME_MIN_GIB, { message: SIZE_MESSAGE })
  @Max(VOLUME_MAX_GIB, { message: SIZE_MESSAGE })
  sizeGb?: number;
}
