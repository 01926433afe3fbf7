import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import type { ContactAttributeType } from '@parley/contract/contacts';
import { PageQueryDto } from './page.dto';

export class ContactListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name, username, phone or email' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  q?: string;

  @ApiPropertyOptional({
    description: 'Only contacts with an identity on a channel of this type',
    example: 'telegram',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/)
  channel_type?: string;

  @ApiPropertyOptional({ description: 'true: only contacts with a phone; false: only without' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  has_phone?: boolean;
}

/** null clears a field. */
export class UpdateContactDto {
  @ApiPropertyOptional() @ValidateIf((_, v) => v !== null) @IsOptional() @IsString() @MaxLength(200) name?:
    string | null;
  @ApiPropertyOptional()
  @ValidateIf((_, v) => v !== null)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  username?: string | null;
  @ApiPropertyOptional({
    description: "Any format; a national number is read in the workspace's phone_region; stored as E.164",
    example: '+98 912 123 4567',
  })
  @ValidateIf((_, v) => v !== null)
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string | null;
  @ApiPropertyOptional() @ValidateIf((_, v) => v !== null) @IsOptional() @IsEmail() @MaxLength(254) email?:
    string | null;
  @ApiPropertyOptional()
  @ValidateIf((_, v) => v !== null)
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2000)
  avatar_url?: string | null;
  @ApiPropertyOptional({
    description: 'Custom attribute values by key, checked by their type (null removes one)',
    example: { tier: 'gold', orders: 3 },
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
}

export class CreateContactDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) username?: string;
  @ApiPropertyOptional({ example: '0912 123 4567' }) @IsOptional() @IsString() @MaxLength(40) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ description: 'Create even when another contact has this phone or e-mail' })
  @IsOptional()
  @IsBoolean()
  allow_duplicate?: boolean;
}

export class MatchPhonesDto {
  @ApiProperty({
    type: [String],
    description: 'At most 1000 numbers, in any format',
    example: ['0912 123 4567'],
  })
  @IsArray()
  // Above the service's own limit, so too many numbers meet contact_match_too_many, not a generic refusal.
  @ArrayMaxSize(100000)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  phones!: string[];
}

export class ImportContactsDto {
  @ApiPropertyOptional({
    description: 'CSV only: JSON naming the column of each field',
    example: '{"name":"Full Name","phone":"Mobile"}',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  mapping?: string;
}

export class InvitationDto {
  @ApiProperty() @IsUUID() channel_id!: string;
}

export class MergeDto {
  @ApiProperty({ description: 'The contact merged into this one' }) @IsUUID() other_id!: string;
}

export class ContactNoteDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(5000) content!: string;
}

export class CreateContactAttributeDto {
  @ApiProperty({ example: 'tier' }) @IsString() @Matches(/^[a-z][a-z0-9_]{0,63}$/) key!: string;
  @ApiProperty({ example: 'Customer tier' }) @IsString() @MinLength(1) @MaxLength(100) label!: string;
  @ApiProperty({ enum: ['text', 'number', 'date', 'list'] })
  @IsIn(['text', 'number', 'date', 'list'])
  type!: ContactAttributeType;
  @ApiPropertyOptional({ type: [String], description: 'The choices of a list' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  options?: string[];
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({
    description: 'ISO 3166 alpha-2 (IR, SA, US…); null: international numbers only',
    example: 'IR',
  })
  @ValidateIf((_, v) => v !== null)
  @IsOptional()
  @IsString()
  @MaxLength(8)
  phone_region?: string | null;
}
