import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class WidgetSessionDto {
  @ApiProperty({ description: "the host page's origin, e.g. https://shop.example" })
  @IsString()
  @MaxLength(300)
  origin!: string;

  @ApiPropertyOptional({ description: 'the token this browser was given before' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  visitor_token?: string;

  @ApiPropertyOptional({
    description: 'a signed identity {user_id, name?, email?, phone?, signature}; ignored unless it verifies',
  })
  @Allow()
  identity?: unknown;

  @ApiPropertyOptional({ enum: ['en', 'fa', 'ar'] })
  @IsOptional()
  @IsString()
  @MaxLength(8)
  language?: string;

  @ApiPropertyOptional({
    description:
      "an invitation's token (the `parley_invite` of the link the visitor followed): its first message binds it to the invited contact",
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{16,64}$/)
  invitation?: string;
}

export class WidgetMessagesQueryDto {
  @ApiPropertyOptional({ description: 'messages before this seq' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}

export class WidgetSendDto {
  @ApiProperty() @IsString() @MaxLength(4096) content!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) client_id?: string;
  @ApiPropertyOptional({ description: 'A press of a payload button the conversation was offered' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  button_payload?: string;
}

export class WidgetAttachmentDto {
  @ApiProperty({ enum: ['voice', 'image', 'file'] })
  @IsIn(['voice', 'image', 'file'])
  kind!: 'voice' | 'image' | 'file';

  @ApiPropertyOptional({ description: 'caption' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  content?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) client_id?: string;

  @ApiPropertyOptional({ description: 'voice length in seconds' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  duration?: number;
}

export class WidgetContactDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) phone?: string;
}

export class WidgetRatingCommentDto {
  // The length is the service's to judge (1000 characters, csat_comment_too_long); the body limit bounds it.
  @ApiProperty({ description: 'a few words about the rated help (at most 1000 characters)' })
  @IsString()
  comment!: string;
}
