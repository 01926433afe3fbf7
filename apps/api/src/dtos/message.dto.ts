import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/** Telegram's limit for one text message; the strictest per-platform limits come with channels. */
export const MAX_CONTENT_LENGTH = 4096;

export class SendMessageDto {
  @ApiProperty({ maxLength: MAX_CONTENT_LENGTH }) @IsString() @MaxLength(MAX_CONTENT_LENGTH) content!: string;

  @ApiProperty({
    enum: ['support', 'note'],
    description: 'support goes to the customer; a note never leaves Parley',
  })
  @IsIn(['support', 'note'])
  type!: 'support' | 'note';

  @ApiPropertyOptional() @IsOptional() @IsUUID() reply_to?: string;
}
