import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { ROUTING_MODES, type RoutingMode } from '@parley/contract/teams';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UpdateTeamDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'name must not hold control characters' })
  name?: string;

  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(280) description?:
    string | null;

  @ApiPropertyOptional({ enum: ROUTING_MODES })
  @IsOptional()
  @IsIn(ROUTING_MODES)
  routing?: RoutingMode;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_open_per_agent?: number | null;

  @ApiPropertyOptional({ type: [String], description: 'The members (agent ids), replacing the old ones' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  agent_ids?: string[];
}

export class CreateTeamDto extends UpdateTeamDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'name must not hold control characters' })
  override name!: string;
}
