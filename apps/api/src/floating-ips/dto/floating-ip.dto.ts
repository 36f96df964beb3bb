import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { CONTAINER_NAME_PATTERN } from '@berth/domain';

const NAME_MESSAGE = 'name must be 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit';

export class AllocateFloatingIpDto {
  @ApiPropertyOptional({ example: 'www', description: 'Unique among your floating IPs; not an address' })
  @IsOptional()
  @IsString()
  @Matches(CONTAINER_NAME_PATTERN, { message: NAME_MESSAGE })
  name?: string;
}

export class NameFloatingIpDto {
  @ApiProperty({ example: 'www', nullable: true, type: String, description: 'The new name; null removes it' })
  @ValidateIf((o: NameFloatingIpDto) => o.name !== null)
  @IsString()
  @Matches(CONTAINER_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string | null;
}

export class AttachFloatingIpDto {
  @ApiProperty({ example: 'web-1', description: 'A container id or name' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  container!: string;
}
