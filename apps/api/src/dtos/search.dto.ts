import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmptyObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SEARCH_TYPES, type SearchType } from '@parley/contract/search';
import { CONVERSATION_STATUSES, type ConversationStatus } from '@parley/contract/views';
import { MAX_PAGE_SIZE } from '@parley/domain/pagination';

/** A list given as `a,b` in a query string or as an array in JSON. */
const list = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

/** The words and filters of a search, as the query string and a saved view carry them. */
export class SearchFiltersDto {
  @ApiProperty({
    description:
      'Words to find (web-search syntax: `"a phrase"`, `or`, `-word`; the last plain word also matches as a prefix). Persian and Arabic spellings are folded: ي/ی, ك/ک, diacritics, ZWNJ, Persian/Arabic digits.',
    example: 'میخواهم سفارش',
  })
  @IsString()
  q!: string;

  @ApiPropertyOptional({ description: 'One kind or several, comma-separated', example: 'message,note' })
  @IsOptional()
  @Transform(list)
  @IsIn(SEARCH_TYPES, { each: true })
  type?: SearchType[];

  @ApiPropertyOptional() @IsOptional() @IsUUID() channel_id?: string;

  @ApiPropertyOptional({ description: 'Only conversations carrying this label' })
  @IsOptional()
  @IsUUID()
  label_id?: string;

  @ApiPropertyOptional({ description: 'One status or several, comma-separated', example: 'open,pending' })
  @IsOptional()
  @Transform(list)
  @IsIn(CONVERSATION_STATUSES, { each: true })
  status?: ConversationStatus[];

  @ApiPropertyOptional({ description: "'me', 'unassigned', or an agent id" })
  @IsOptional()
  @Matches(/^(me|unassigned|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: "assignee must be 'me', 'unassigned' or an agent id",
  })
  assignee?: string;

  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Created before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class SearchQueryDto extends SearchFiltersDto {
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

/** A saved search keeps its words to the same length a search accepts. */
class SavedSearchDto extends SearchFiltersDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(256) override q!: string;
}

export class CreateSavedViewDto {
  @ApiProperty({ maxLength: 80 })
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @MinLength(1)
  @MaxLength(80)
  name!: string;

  @ApiProperty({ type: SavedSearchDto })
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => SavedSearchDto)
  query!: SavedSearchDto;

  @ApiPropertyOptional({
    description: 'Listed for every agent of the workspace (admins only)',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  shared?: boolean;
}
