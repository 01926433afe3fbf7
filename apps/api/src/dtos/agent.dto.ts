import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { AGENT_ROLES, type AgentRole } from '@parley/contract/views';

export class AvailabilityDto {
  @ApiProperty({ enum: ['online', 'away'] }) @IsIn(['online', 'away']) availability!: 'online' | 'away';
}

export class InviteAgentDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(120) name!: string;
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ enum: AGENT_ROLES }) @IsIn(AGENT_ROLES) role!: AgentRole;
}

export class UpdateAgentDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @ApiPropertyOptional({ enum: AGENT_ROLES }) @IsOptional() @IsIn(AGENT_ROLES) role?: AgentRole;
  @ApiPropertyOptional({ description: 'false deactivates the agent: their tokens stop working at once.' })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;
}
