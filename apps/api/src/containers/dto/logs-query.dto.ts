import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class LogsQueryDto {
  @ApiPropertyOptional({ description: 'Only the last N lines', minimum: 0, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10000)
  tail?: number;

  @ApiPropertyOptional({
    description: 'Only lines at or after this time: RFC 3339, or seconds since the epoch',
  })
  @IsOptional()
  @IsString()
  @Matches(/^(\d{1,12}(\.\d+)?|\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d))$/, {
    message: 'since must be RFC 3339 or unix seconds',
  })
  since?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Keep streaming new lines until the container stops',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  follow?: 'true' | 'false';
}
