import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsUUID } from 'class-validator';

export class StartCallDto {
  @ApiPropertyOptional({ description: 'The agent to call' })
  @IsOptional()
  @IsUUID()
  agent_id?: string;

  @ApiPropertyOptional({
    description:
      'The conversation the call is about: alone, it rings the conversation’s assignee; with agent_id, that agent. The call’s outcome is written in its timeline.',
  })
  @IsOptional()
  @IsUUID()
  conversation_id?: string;

  @ApiPropertyOptional({
    enum: ['agent', 'contact'],
    default: 'agent',
    description:
      '`contact` (with conversation_id): ring the conversation’s customer instead, a website visitor who has the widget open now (`409 call_visitor_offline` otherwise; `400 call_visitor_not_web` on other channels, whose customers get call links). The visitor’s widget socket gets `incoming_call`.',
  })
  @IsOptional()
  @IsIn(['agent', 'contact'])
  callee?: 'agent' | 'contact';
}

export class HangupCallDto {
  @ApiPropertyOptional({
    description:
      'The browser found no media path (ICE failed for good): the call is stored `failed` rather than `ended`',
  })
  @IsOptional()
  @IsBoolean()
  failed?: boolean;
}
