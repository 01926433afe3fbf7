import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BusinessHoursService } from '@parley/domain/business-hours/business-hours.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { BusinessHoursDto, SlaPolicyDto } from '../dtos/business-hours.dto';
import { IdPipe } from '../dtos/id.pipe';

/**
 * The workspace's business hours (with the out-of-hours reply) and its SLA policy, and a team's own
 * (`/teams/{team_id}`; without its own a team follows the workspace's): every agent reads, admins set.
 */
@ApiTags('business-hours')
@ApiBearerAuth()
@Controller()
export class BusinessHoursController {
  constructor(private readonly hours: BusinessHoursService) {}

  @Get('business-hours')
  @ApiOperation({ summary: 'The schedule, holidays and out-of-hours replies, and whether it is open now' })
  get(@CurrentAgent() me: AuthAgent) {
    return this.hours.get(me.workspaceId);
  }

  @Put('business-hours')
  @AdminOnly()
  @ApiOperation({
    summary: 'Replace the schedule (IANA zone, weekly intervals, holidays) and the out-of-hours replies',
  })
  put(@CurrentAgent() me: AuthAgent, @Body() dto: BusinessHoursDto) {
    return this.hours.put(me.workspaceId, dto);
  }

  @Get('business-hours/teams/:team_id')
  @ApiOperation({
    summary: "A team's schedule: its own, or the workspace's it follows (inherited: true)",
  })
  getTeam(@CurrentAgent() me: AuthAgent, @Param('team_id', new IdPipe('team')) teamId: string) {
    return this.hours.get(me.workspaceId, teamId);
  }

  @Put('business-hours/teams/:team_id')
  @AdminOnly()
  @ApiOperation({
    summary: 'Give a team its own schedule and out-of-hours replies; its conversations follow it',
  })
  putTeam(
    @CurrentAgent() me: AuthAgent,
    @Param('team_id', new IdPipe('team')) teamId: string,
    @Body() dto: BusinessHoursDto,
  ) {
    return this.hours.put(me.workspaceId, dto, teamId);
  }

  @Delete('business-hours/teams/:team_id')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a team's own schedule: the team follows the workspace's again" })
  async removeTeam(@CurrentAgent() me: AuthAgent, @Param('team_id', new IdPipe('team')) teamId: string) {
    await this.hours.removeTeamHours(me.workspaceId, teamId);
  }

  @Get('sla-policy')
  getSla(@CurrentAgent() me: AuthAgent) {
    return this.hours.getSla(me.workspaceId);
  }

  @Put('sla-policy')
  @AdminOnly()
  @ApiOperation({
    summary:
      'First response, next response and resolution targets (minutes), warnings, business-hours counting',
  })
  putSla(@CurrentAgent() me: AuthAgent, @Body() dto: SlaPolicyDto) {
    return this.hours.putSla(me.workspaceId, dto);
  }

  @Get('sla-policy/teams/:team_id')
  @ApiOperation({ summary: "A team's SLA policy: its own, or the workspace's it follows (inherited: true)" })
  getTeamSla(@CurrentAgent() me: AuthAgent, @Param('team_id', new IdPipe('team')) teamId: string) {
    return this.hours.getSla(me.workspaceId, teamId);
  }

  @Put('sla-policy/teams/:team_id')
  @AdminOnly()
  @ApiOperation({ summary: "Give a team its own SLA policy; it overrides the workspace's for the team" })
  putTeamSla(
    @CurrentAgent() me: AuthAgent,
    @Param('team_id', new IdPipe('team')) teamId: string,
    @Body() dto: SlaPolicyDto,
  ) {
    return this.hours.putSla(me.workspaceId, dto, teamId);
  }

  @Delete('sla-policy/teams/:team_id')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a team's own SLA policy: the team follows the workspace's again" })
  async removeTeamSla(@CurrentAgent() me: AuthAgent, @Param('team_id', new IdPipe('team')) teamId: string) {
    await this.hours.removeTeamSla(me.workspaceId, teamId);
  }
}
