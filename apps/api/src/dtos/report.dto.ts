import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class ReportQueryDto {
  @ApiPropertyOptional({ description: 'ISO 8601 date or time (inclusive); default: 7 days before `to`' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 date or time (exclusive); default: now' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ description: 'IANA time zone for dates and hours of day; default UTC' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tz?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(36) channel_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(36) agent_id?: string;

  @ApiPropertyOptional({
    description: 'Only the cycles and ratings of this team of the workspace (404 otherwise)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(36)
  team_id?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class CsatChannelDto {
  @IsBoolean() enabled!: boolean;
}
