import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import {
  CANNED_CONTENT_MAX,
  CANNED_SCOPES,
  CANNED_SHORTCUT,
  type CannedScope,
} from '@parley/contract/canned-responses';

export class CreateCannedResponseDto {
  @ApiProperty({ example: 'refund', description: 'Letters, digits, _ and -; typed after / in the composer' })
  @Matches(CANNED_SHORTCUT, { message: 'shortcut must be 1-64 letters, digits, _ or -' })
  shortcut!: string;

  @ApiProperty({
    description: 'May hold {{contact.name}}, {{contact.phone}}, {{agent.name}}, {{conversation.id}}',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(CANNED_CONTENT_MAX)
  content!: string;

  @ApiPropertyOptional({
    enum: CANNED_SCOPES,
    description:
      "workspace (admins; the default for them) or personal (the caller's own; the default for agents)",
  })
  @IsOptional()
  @IsIn(CANNED_SCOPES)
  scope?: CannedScope;
}

export class UpdateCannedResponseDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(CANNED_SHORTCUT, { message: 'shortcut must be 1-64 letters, digits, _ or -' })
  shortcut?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(CANNED_CONTENT_MAX)
  content?: string;
}

export class CannedListQueryDto {
  @ApiPropertyOptional({ description: 'Matches the shortcut or the text (a leading / is ignored)' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  q?: string;
}

export class RenderCannedDto {
  @ApiProperty() @IsUUID() conversation_id!: string;
}

export class AttachCannedFileDto {
  @ApiPropertyOptional({
    enum: ['image', 'file'],
    description:
      'image: must be a JPEG, PNG, WebP or GIF (else `attachment_invalid`); left out, the bytes decide',
  })
  @IsOptional()
  @IsIn(['image', 'file'])
  kind?: 'image' | 'file';
}
