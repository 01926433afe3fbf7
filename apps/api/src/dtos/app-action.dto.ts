import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { APP_ACTION_LIMITS, CARD_LIMITS } from '@parley/contract/app-actions';

/** Documentation of the shapes; AppActionService and checkCard check them and answer their own codes. */
class AppActionInputDto {
  @ApiProperty({ pattern: '^[a-z0-9_-]{1,40}$', example: 'order' }) key!: string;
  @ApiProperty({ minLength: 1, maxLength: APP_ACTION_LIMITS.nameMax, example: 'Order lookup' }) name!: string;
  @ApiPropertyOptional({ maxLength: APP_ACTION_LIMITS.nameMax, example: 'پیگیری سفارش' }) name_fa?: string;
  @ApiPropertyOptional({ maxLength: APP_ACTION_LIMITS.nameMax, example: 'تتبع الطلب' }) name_ar?: string;
  @ApiProperty({
    maxLength: APP_ACTION_LIMITS.urlMax,
    example: 'https://shop.example.com/parley/order',
    description:
      'https (http only for localhost outside production, or with APP_ACTIONS_ALLOW_HTTP); no credentials',
  })
  url!: string;
}

export class DeclareAppActionsDto {
  @ApiProperty({ type: [AppActionInputDto], maxItems: APP_ACTION_LIMITS.perApp })
  @Allow()
  actions!: unknown;
}

class CardFieldDto {
  @ApiProperty({ maxLength: CARD_LIMITS.labelMax, example: 'Total' }) label!: string;
  @ApiProperty({ maxLength: CARD_LIMITS.valueMax, example: '€42.00' }) value!: string;
}

export class PostCardDto {
  @ApiProperty({ minLength: 1, maxLength: CARD_LIMITS.titleMax, example: 'Order #1042: shipped' })
  @Allow()
  title!: unknown;
  @ApiPropertyOptional({ maxLength: CARD_LIMITS.textMax, example: 'Arrives Thursday.' })
  @Allow()
  text?: unknown;
  @ApiPropertyOptional({ type: [CardFieldDto], maxItems: CARD_LIMITS.fields })
  @Allow()
  fields?: unknown;
  @ApiPropertyOptional({
    example: 'https://shop.example.com/orders/1042',
    description: 'Same rules as an action URL',
  })
  @Allow()
  url?: unknown;
}
