import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, MaxLength } from 'class-validator';
import { API_KEY_SCOPES } from '@parley/contract/api-keys';

/** Checked by OAuthAppService, which answers its own codes (oauth_app_name_invalid, oauth_redirect_uris_invalid, …). */
export class CreateOAuthAppDto {
  @ApiProperty({ minLength: 1, maxLength: 80, example: 'Order sync' }) @Allow() name!: unknown;
  @ApiProperty({
    type: [String],
    example: ['https://shop.example/parley/callback'],
    description:
      'Where Parley may send the browser back, matched exactly. https, or http on localhost / 127.0.0.1 for development; no fragment. 1 to 10.',
  })
  @Allow()
  redirect_uris!: unknown;
  @ApiProperty({
    enum: API_KEY_SCOPES,
    isArray: true,
    description: 'The most an installation may be granted (the API keys’ scopes)',
  })
  @Allow()
  scopes!: unknown;
  @ApiPropertyOptional({ maxLength: 500, description: 'Shown on the consent page' })
  @Allow()
  description?: unknown;
  @ApiPropertyOptional({ example: 'https://shop.example', description: 'Shown on the consent page' })
  @Allow()
  homepage_url?: unknown;
}

/** Any of the registration's fields; the ones left out stay. */
export class UpdateOAuthAppDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 80 }) @Allow() name?: unknown;
  @ApiPropertyOptional({ type: [String] }) @Allow() redirect_uris?: unknown;
  @ApiPropertyOptional({ enum: API_KEY_SCOPES, isArray: true }) @Allow() scopes?: unknown;
  @ApiPropertyOptional({ maxLength: 500 }) @Allow() description?: unknown;
  @ApiPropertyOptional() @Allow() homepage_url?: unknown;
}

/** The authorize request's parameters, as the consent page passes them on. */
export class AuthorizeRequestDto {
  @ApiProperty({ enum: ['code'] }) @IsOptional() @IsString() @MaxLength(32) response_type?: string;
  @ApiProperty() @IsOptional() @IsString() @MaxLength(128) client_id?: string;
  @ApiProperty() @IsOptional() @IsString() @MaxLength(2000) redirect_uri?: string;
  @ApiPropertyOptional({ description: 'Space-separated scopes; the app’s registered ones when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  scope?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) state?: string;
  @ApiProperty({ description: 'BASE64URL(SHA256(code_verifier))' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  code_challenge?: string;
  @ApiProperty({ enum: ['S256'] }) @IsOptional() @IsString() @MaxLength(16) code_challenge_method?: string;
}

/** `POST /oauth/token`'s form (for OpenAPI; the route reads the body itself, as OAuth clients send it). */
export class OAuthTokenRequestDto {
  @ApiProperty({ enum: ['authorization_code', 'refresh_token'] }) grant_type!: string;
  @ApiPropertyOptional({ description: 'authorization_code: the code from the redirect' }) code?: string;
  @ApiPropertyOptional({
    description: 'authorization_code: the same redirect_uri as in the authorize request',
  })
  redirect_uri?: string;
  @ApiPropertyOptional({ description: 'authorization_code: the PKCE verifier (43–128 characters)' })
  code_verifier?: string;
  @ApiPropertyOptional({ description: 'refresh_token: the latest refresh token' }) refresh_token?: string;
  @ApiPropertyOptional({ description: 'refresh_token: optional, at most the granted scopes' }) scope?: string;
  @ApiPropertyOptional({ description: 'Or HTTP Basic' }) client_id?: string;
  @ApiPropertyOptional({ description: 'Or HTTP Basic' }) client_secret?: string;
}
