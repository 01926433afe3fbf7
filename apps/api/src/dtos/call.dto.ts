import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';

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
