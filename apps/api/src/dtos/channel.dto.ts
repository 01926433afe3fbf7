import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsUUID, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import type { ChannelType } from '@parley/contract/channel-types';
import { PLATFORMS } from '@parley/platforms/platform.registry';

const BOT_TOKEN = /^\d{3,15}:[A-Za-z0-9_-]{30,64}$/;

/** A website channel's settings, on create and update alike; the channel service checks them. */
abstract class WebChannelSettingsDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      'web: origins whose pages may run the widget (https://shop.example; http only for localhost)',
  })
  @Allow()
  allowed_origins?: unknown;

  @ApiPropertyOptional({ description: 'web: the widget colour, #rrggbb' })
  @Allow()
  color?: unknown;

  @ApiPropertyOptional({ description: 'web: the greeting per language, e.g. {"en": "Hi!", "fa": "سلام"}' })
  @Allow()
  greeting?: unknown;

  @ApiPropertyOptional({ type: [String], enum: ['en', 'fa', 'ar'], description: 'web: languages offered' })
  @Allow()
  languages?: unknown;

  @ApiPropertyOptional({
    description: 'web: pre-chat fields {name, email, phone}, each off, optional or required',
  })
  @Allow()
  pre_chat?: unknown;
}

export class CreateChannelDto extends WebChannelSettingsDto {
  /** Checked against the platform registry by the channel service: a registered platform is a valid type. */
  @ApiProperty({ enum: Object.keys(PLATFORMS) }) @IsString() @MaxLength(16) type!: ChannelType;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(120) name!: string;

  @ApiPropertyOptional({ description: 'telegram: the token @BotFather gave' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'telegram')
  @Matches(BOT_TOKEN, { message: 'bot_token must look like 123456:ABC-DEF… (from @BotFather)' })
  bot_token?: string;

  @ApiPropertyOptional({ description: 'instagram: the Instagram professional account id' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'instagram')
  @Matches(/^\d{1,32}$/, { message: 'ig_user_id must be the numeric Instagram user id' })
  ig_user_id?: string;

  @ApiPropertyOptional({ description: 'instagram: a long-lived access token' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'instagram')
  @IsString()
  @MinLength(10)
  @MaxLength(1024)
  access_token?: string;

  @ApiPropertyOptional({ description: 'divar: the Kenar app slug (its OAuth client_id)' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'divar')
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'app_slug must be the Kenar app slug' })
  app_slug?: string;

  @ApiPropertyOptional({ description: 'divar: the Kenar app API key' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'divar')
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  api_key?: string;

  @ApiPropertyOptional({ description: 'divar: the identification key Divar sends with every event' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'divar')
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  identification_key?: string;

  @ApiPropertyOptional({ description: 'divar: the Kenar app OAuth client secret' })
  @ValidateIf((dto: CreateChannelDto) => dto.type === 'divar')
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  client_secret?: string;
}

export class UpdateChannelDto extends WebChannelSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(BOT_TOKEN, { message: 'bot_token must look like 123456:ABC-DEF…' })
  bot_token?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(10) @MaxLength(1024) access_token?: string;
  /** Checked by the channel service, which answers `retention_days_invalid` for anything but 1-3650 or null. */
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 3650,
    description: 'messages older than this many days lose their text and media; null keeps them',
  })
  @Allow()
  retention_days?: unknown;

  @ApiPropertyOptional({ nullable: true, description: 'The team its new conversations go to; null for none' })
  @IsOptional()
  @IsUUID()
  team_id?: string | null;
}
