import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

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
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1000) burstMessages?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(3600) burstSeconds?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1000) repeatsAllowed?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100) maxLinks?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100) maxMentions?: number;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  patterns?: string[];
}

/** Overrides of the environment's defaults for this workspace. */
export class SecurityPolicyDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(10000) messages_per_minute?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(100) max_sockets_per_agent?: number;
  @ApiPropertyOptional({ type: SpamRulesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SpamRulesDto)
  spam?: SpamRulesDto;
}
