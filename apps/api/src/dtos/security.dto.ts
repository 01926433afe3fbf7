import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  buildMessage,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import safeRegex from 'safe-regex2';

/**
 * A regular expression that compiles (case-insensitive, Unicode) and cannot backtrack
 * catastrophically: it runs on every message of the workspace, so one careless pattern must not
 * stall the worker.
 */
export function IsSafePattern(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafePattern',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            new RegExp(value, 'iu');
          } catch {
            return false;
          }
          return safeRegex(value);
        },
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a valid regular expression without nested repetition`,
          options,
        ),
      },
    },
    options,
  );
}

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
    description: 'case-insensitive regular expressions; a match is spam',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  @IsSafePattern({ each: true })
  patterns?: string[] | null;
}

/** Overrides of the environment's defaults for this workspace; a field set to null goes back to the default. */
export class SecurityPolicyDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(10000) messages_per_minute?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(100) max_sockets_per_agent?: number | null;
  @ApiPropertyOptional({ type: SpamRulesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SpamRulesDto)
  spam?: SpamRulesDto;
}
