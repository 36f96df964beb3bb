import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CONTAINER_NAME_PATTERN } from '@berth/domain';

export class CreateNetworkDto {
  @ApiProperty({
    example: 'backend',
    description:
      'Unique among your networks; the one named `default` is the one containers join unless told otherwise',
  })
  @IsString()
  @Matches(CONTAINER_NAME_PATTERN, {
    message: 'name must be 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
  })
  name!: string;

  @ApiPropertyOptional({
    example: '10.1.0.0/24',
    description:
      'IPv4 block, /16 to /29, inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10, overlapping none of your networks. When absent, the configured default block or the next free one of its size.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cidr?: string;
}
