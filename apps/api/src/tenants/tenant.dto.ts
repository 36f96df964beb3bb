import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: 'A display name; need not be unique.' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters
  @Matches(/^[^\x00-\x1f\x7f]+$/, { message: 'name must not contain control characters' })
  name!: string;
}
