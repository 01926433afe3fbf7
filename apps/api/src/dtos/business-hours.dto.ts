import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Holiday, OpenInterval, OutOfHoursReply } from '@parley/contract/business-hours';
import { WIDGET_LANGUAGES, type WidgetLanguage } from '@parley/contract/widget';

/** `PUT /business-hours`: the intervals, holidays and replies are checked in depth by the domain (`hours_invalid`). */
export class BusinessHoursDto {
  @ApiProperty() @IsBoolean() enabled!: boolean;

  @ApiProperty({ description: 'IANA time zone, e.g. Asia/Tehran' })
  @IsString()
  @MaxLength(64)
  time_zone!: string;

  @ApiProperty({
    description:
      'Open intervals: {day: 1 (Monday) … 7 (Sunday), start: "HH:mm", end: "HH:mm"}; end ≤ start runs past midnight',
  })
  @Allow()
  intervals!: OpenInterval[];

  @ApiPropertyOptional({ description: 'Closed days: {date: "YYYY-MM-DD", name?, recurring?}' })
  @Allow()
  holidays!: Holiday[];

  @ApiPropertyOptional({
    description: 'Out-of-hours replies: {channel_id (null: every channel), enabled, texts: {en?, fa?, ar?}}',
  })
  @Allow()
  out_of_hours_replies!: OutOfHoursReply[];

  @ApiPropertyOptional({ enum: WIDGET_LANGUAGES })
  @IsOptional()
  @IsIn(WIDGET_LANGUAGES)
  default_language!: WidgetLanguage;
}

/** `PUT /sla-policy`: targets in whole minutes (or null), checked by the domain (`sla_invalid`). */
export class SlaPolicyDto {
  @ApiProperty() @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({ type: Number, nullable: true }) @Allow() first_response_minutes!: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) @Allow() next_response_minutes!: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) @Allow() resolution_minutes!: number | null;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() business_hours!: boolean;
  @ApiPropertyOptional() @Allow() warn_before_minutes!: number;
}
