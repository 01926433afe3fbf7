import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class SignupDto {
  @ApiProperty({ example: 'Acme Support' }) @IsString() @MinLength(1) @MaxLength(120) workspace_name!: string;
  @ApiProperty({ example: 'Sara Ahmadi' }) @IsString() @MinLength(1) @MaxLength(120) name!: string;
  @ApiProperty({ example: 'sara@acme.test' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ minLength: 8 }) @IsString() @MinLength(8) @MaxLength(256) password!: string;
}

export class LoginDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(256) password!: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(512) refresh_token!: string;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: 'End this sign-in only; without it every sign-in of the agent ends.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}

export class AcceptInviteDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(512) invite_token!: string;
  @ApiProperty({ minLength: 8 }) @IsString() @MinLength(8) @MaxLength(256) password!: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(256) current_password!: string;
  @ApiProperty({ minLength: 8 }) @IsString() @MinLength(8) @MaxLength(256) new_password!: string;
}
