import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class CreateBotDto {
  @ApiProperty({
    description: 'The API key the bot acts with (active, of this workspace, with conversations:write and messages:write)',
  })
  @IsUUID()
  api_key_id!: string;

  @ApiProperty({ type: [String], description: 'Channels whose new conversations the bot takes first' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  channel_ids!: string[];
}

export class UpdateBotDto {
  @ApiProperty({ type: [String], description: 'The channels from now on (replaces the list)' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  channel_ids!: string[];
}

export class HandoffDto {
  @ApiPropertyOptional({ description: 'Why, shown to agents in the timeline ("asked for a person")' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
