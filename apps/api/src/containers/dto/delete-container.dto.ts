import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class DeleteContainerQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Delete even while running (the VM is killed)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';
}
