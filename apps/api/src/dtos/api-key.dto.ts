import { ApiProperty } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '@parley/contract/api-keys';

/** Checked by ApiKeyService, which answers its own codes (api_key_name_invalid, api_key_scopes_invalid). */
export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 80, example: 'Order system' }) @Allow() name!: unknown;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['conversations:read', 'messages:write'] })
  @Allow()
  scopes!: ApiKeyScope[] | unknown;
}
