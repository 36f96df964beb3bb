import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CONTAINER_STATES, type ContainerState } from '@berth/domain';
import { PageQueryDto } from '../../common/pagination.dto';

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').filter((s) => s.length > 0) : value;

export class ListContainersDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated states, e.g. running,stopped', example: 'running' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(CONTAINER_STATES as readonly string[], {
    each: true,
    message: `state must be among ${CONTAINER_STATES.join(', ')}`,
  })
  state?: ContainerState[];

  @ApiPropertyOptional({ description: 'Exact container name' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  name?: string;

  @ApiPropertyOptional({ description: 'key=value; repeat for several (all must match)', type: [String] })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(16)
  @Matches(/^[^=]{1,63}=.{0,255}$/, { each: true, message: 'label filters are key=value' })
  label?: string[];
}
