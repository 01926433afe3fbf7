import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_CONTENT_LENGTH } from '@parley/contract/client-frames';
import type { MediaLink } from '@parley/contract/views';

export class SendMessageDto {
  @ApiProperty({ maxLength: MAX_CONTENT_LENGTH }) @IsString() @MaxLength(MAX_CONTENT_LENGTH) content!: string;

  @ApiProperty({
    enum: ['support', 'note'],
    description: 'support goes to the customer; a note never leaves Parley',
  })
  @IsIn(['support', 'note'])
  type!: 'support' | 'note';

  @ApiPropertyOptional() @IsOptional() @IsUUID() reply_to?: string;

  @ApiPropertyOptional({
    description:
      'Rows of link buttons under a support reply: at most 3 rows of 3 `{caption, url}` (https). Divar and Telegram show them; Instagram refuses them (`buttons_unsupported`); a malformed grid is `buttons_invalid`.',
    example: [[{ caption: 'See the ad', url: 'https://divar.ir/v/gZd7omnS' }]],
  })
  @IsOptional()
  @IsArray()
  buttons?: unknown[];
}

export class UploadAttachmentDto {
  @ApiPropertyOptional({
    enum: ['voice', 'image', 'file'],
    description: 'voice must be OGG/Opus; required with `file`',
  })
  @ValidateIf((dto: UploadAttachmentDto) => !dto.canned_attachment_id)
  @IsIn(['voice', 'image', 'file'])
  kind?: 'voice' | 'image' | 'file';

  @ApiPropertyOptional({
    description:
      'Instead of `file`: one file of a canned reply the caller sees (GET /canned-responses). The message gets its own copy, so deleting the canned reply or the file later leaves it whole.',
  })
  @IsOptional()
  @IsUUID()
  canned_attachment_id?: string;

  @ApiPropertyOptional({ description: 'caption' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  content?: string;

  @ApiPropertyOptional({ description: 'voice length in seconds' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  duration?: number;
}

/** The OpenAPI description of the contract's MediaLink. */
export class MediaLinkDto implements MediaLink {
  @ApiProperty({ example: '/api/v1/media/AQ…', description: 'absolute path of the signed media URL' })
  url!: string;

  @ApiProperty({ example: '2025-01-01T12:05:00.000Z', description: 'when the link stops working' })
  expires_at!: string;
}
