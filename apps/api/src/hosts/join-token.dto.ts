import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_JOIN_TOKEN_TTL_S } from '@berth/config';

const MIN_TTL_S = 60;

export class CreateJoinTokenDto {
  @ApiPropertyOptional({
    minimum: MIN_TTL_S,
    maximum: MAX_JOIN_TOKEN_TTL_S,
    description: 'Seconds until the token expires (default BERTH_JOIN_TOKEN_TTL_S: 24 hours)',
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_TTL_S)
  @Max(MAX_JOIN_TOKEN_TTL_S)
  ttlSeconds?: number;

  @ApiPropertyOptional({ example: 'rack 4 autoscaler', description: 'What the token is for' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}

export class ReadmitHostDto {
  @ApiPropertyOptional({
    minimum: MIN_TTL_S,
    maximum: MAX_JOIN_TOKEN_TTL_S,
    description: 'Seconds the re-admission token stays usable (default BERTH_READMIT_TOKEN_TTL_S: 1 hour)',
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_TTL_S)
  @Max(MAX_JOIN_TOKEN_TTL_S)
  ttlSeconds?: number;
}
