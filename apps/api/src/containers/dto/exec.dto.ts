import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class ExecDto {
  @ApiProperty({ type: [String], example: ['cat', '/etc/hostname'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  command!: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['DEBUG=1'],
    description: 'KEY=VALUE, added to the container env',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*=/, { each: true, message: 'env entries are KEY=VALUE' })
  @MaxLength(32768, { each: true })
  env?: string[];

  @ApiPropertyOptional({ example: '/tmp' })
  @IsOptional()
  @IsString()
  @Matches(/^\//, { message: 'workdir must be an absolute path' })
  @MaxLength(4096)
  workdir?: string;

  @ApiPropertyOptional({ example: 'nobody' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 600,
    default: 60,
    description: 'Kill the command after this many seconds',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600)
  timeoutSeconds?: number;
}
