import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { CONVERSATION_STATUSES, type ConversationStatus } from '@parley/contract/views';
import { PageQueryDto } from './page.dto';

export class ConversationListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'One status or several, comma-separated',
    example: 'open,support_active',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value))
  @IsIn(CONVERSATION_STATUSES, { each: true })
  status?: ConversationStatus[];

  @ApiPropertyOptional({ description: "'me', 'unassigned', or an agent id" })
  @IsOptional()
  @Matches(/^(me|unassigned|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: "assignee must be 'me', 'unassigned' or an agent id",
  })
  assignee?: string;

  @ApiPropertyOptional() @IsOptional() @IsUUID() channel_id?: string;

  @ApiPropertyOptional({
    enum: ['bot', 'people'],
    description: "`bot`: conversations a bot is handling; `people`: the others (the agents' queue)",
  })
  @IsOptional()
  @IsIn(['bot', 'people'])
  handled_by?: 'bot' | 'people';

  @ApiPropertyOptional({ description: "Matches the contact's name or username" })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  q?: string;
}

export class AssignDto {
  @ApiProperty() @IsUUID() agent_id!: string;
}

export class MarkReadDto {
  @ApiPropertyOptional({ description: 'Read up to this message; the newest when absent' })
  @IsOptional()
  @IsUUID()
  message_id?: string;
}

export class StatusDto {
  @ApiProperty({ enum: CONVERSATION_STATUSES }) @IsIn(CONVERSATION_STATUSES) status!: ConversationStatus;
}
