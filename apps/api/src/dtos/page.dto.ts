import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '@parley/domain/pagination';

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 25 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export class MessageHistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only messages with a smaller seq: the dashboard pages back from the oldest it holds',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before_seq?: number;
}
