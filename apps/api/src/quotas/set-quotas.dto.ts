import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_QUOTA } from '@berth/domain';

const about = (what: string) => ({
  type: Number,
  nullable: true,
  minimum: 0,
  maximum: MAX_QUOTA,
  description: `${what}; null goes back to the configured default, absent leaves it as it is`,
});

/**
 * A partial update of one tenant's quotas: each limit given is set (0 forbids the resource), each
 * null is reset to the default, each absent one is left alone.
 */
export class SetQuotasDto {
  @ApiPropertyOptional({ ...about('Containers that exist (any state but deleted)'), example: 10 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  containers?: number | null;

  @ApiPropertyOptional(about('vCPUs reserved by containers that are running or about to run'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  vcpus?: number | null;

  @ApiPropertyOptional(about('MiB of memory reserved by containers that are running or about to run'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  memoryMib?: number | null;

  @ApiPropertyOptional(about('GB of volumes (made, implied by a container, or restored)'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  volumeGb?: number | null;

  @ApiPropertyOptional(about('Snapshots'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  snapshots?: number | null;

  @ApiPropertyOptional(about('Floating IPs held'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  floatingIps?: number | null;

  @ApiPropertyOptional(about('Networks (the default network too)'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  networks?: number | null;
}
