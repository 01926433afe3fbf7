import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_PATTERN_LENGTH, MAX_PATTERNS } from '@parley/security/spam-patterns';

export class HoursQueryDto {
  @ApiPropertyOptional({ default: 24, minimum: 1, maximum: 720 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(720)
  hours?: number;
}

class SpamRulesDto {
  @ApiPropertyOptional({ description: 'messages within burst_seconds that make a burst' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  burst_messages?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(3600) burst_seconds?: number | null;
  @ApiPropertyOptional({ description: 'identical texts allowed in a row' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  repeats_allowed?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100) max_links?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100) max_mentions?: number | null;
  @ApiPropertyOptional({
    type: [String],
    description:
      'case-insensitive regular expressions in RE2 syntax (no lookaround, no backreferences); a match is spam. ' +
      'A pattern RE2 cannot compile, or too complex to check quickly, is refused with validation_failed.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @MaxLength(MAX_PATTERN_LENGTH, { each: true })
  patterns?: string[] | null;
}

/** Overrides of the environment's defaults for this workspace; a field set to null goes back to the default. */
export class SecurityPolicyDto {
  @ApiPropertyOptional({ description: 'off: no message is checked for spam (default ENABLE_SPAM_DETECTION)' })
  @IsOptional()
  @IsBoolean()
  spam_detection?: boolean | null;
  @ApiPropertyOptional({
    description: 'off: the per-agent message budget is not enforced (default ENABLE_RATE_LIMITING)',
  })
  @IsOptional()
  @IsBoolean()
  rate_limiting?: boolean | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(10000) messages_per_minute?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(100) max_sockets_per_agent?: number | null;
  @ApiPropertyOptional({ type: SpamRulesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SpamRulesDto)
  spam?: SpamRulesDto;
}
