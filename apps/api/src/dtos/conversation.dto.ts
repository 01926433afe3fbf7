import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { BULK_ACTIONS, BULK_MAX, type BulkAction } from '@parley/contract/bulk-actions';
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

  @ApiPropertyOptional({ description: 'Only conversations carrying this label (its id)' })
  @IsOptional()
  @IsUUID()
  label?: string;

  @ApiPropertyOptional({ description: "A team id, or 'none' for conversations in no team" })
  @IsOptional()
  @Matches(/^(none|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: "team must be 'none' or a team id",
  })
  team?: string;
}

export class AssignDto {
  @ApiPropertyOptional({ description: 'The agent; at least one of agent_id and team_id' })
  @IsOptional()
  @IsUUID()
  agent_id?: string;

  @ApiPropertyOptional({
    description:
      "The team whose queue it joins (null: none). Without agent_id, an assignee who is not in the team is taken off and the team's routing picks one",
    nullable: true,
  })
  @IsOptional()
  @IsUUID()
  team_id?: string | null;
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

export class BulkConversationsDto {
  @ApiProperty({ type: [String], description: `At most ${BULK_MAX}, all of the workspace (otherwise nothing changes)` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BULK_MAX)
  @IsUUID('all', { each: true })
  conversation_ids!: string[];

  @ApiProperty({ enum: BULK_ACTIONS }) @IsIn(BULK_ACTIONS) action!: BulkAction;

  @ApiPropertyOptional({ description: '`assign`: the agent' }) @IsOptional() @IsUUID() agent_id?: string;

  @ApiPropertyOptional({ description: '`assign`: the team' }) @IsOptional() @IsUUID() team_id?: string;

  @ApiPropertyOptional({ type: [String], description: '`label` / `unlabel`: label ids' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  label_ids?: string[];
}
