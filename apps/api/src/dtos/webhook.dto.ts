import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { WEBHOOK_ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '@parley/contract/webhooks';

const EVENTS = [WEBHOOK_ALL_EVENTS, ...WEBHOOK_EVENT_TYPES];

export class CreateWebhookDto {
  @ApiProperty({
    description: 'https (http outside production or when the operator allows it); a public address',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ enum: EVENTS, isArray: true, description: 'Event names, or * for all of them' })
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events!: string[];

  @ApiPropertyOptional({
    description: 'Your own signing secret (16–256 printable characters); generated when absent',
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret must be printable ASCII without spaces' })
  secret?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2048) url?: string;

  @ApiPropertyOptional({ enum: EVENTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    description: 'true pauses deliveries; false resumes them (waiting ones go out at once)',
  })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;
}

export class ReplayWebhookDto {
  @ApiPropertyOptional({
    description: 'Re-deliver every matching event with a greater seq, in order, marked as replays',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  since_seq?: number;

  @ApiPropertyOptional({ description: 'Or: every matching event written at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  since?: string;
}
