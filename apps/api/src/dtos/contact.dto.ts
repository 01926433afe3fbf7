import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, IsUrl, MaxLength, ValidateIf } from 'class-validator';
import { PageQueryDto } from './page.dto';

export class ContactListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name, username, phone or email' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  q?: string;
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
    description: 'Any international format; stored as E.164',
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
}
