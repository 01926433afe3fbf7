import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isIP } from 'node:net';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { notFound } from '@parley/errors/app-error';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { SecurityPolicyService } from '@parley/security/security-policy.service';
import { SecurityStatsService } from '@parley/security/security-stats.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { HoursQueryDto, SecurityPolicyDto } from '../dtos/security.dto';

/** The admins' view of their own workspace's security. */
@ApiTags('admin security')
@ApiBearerAuth()
@AdminOnly()
@Controller('admin/security')
export class AdminSecurityController {
  constructor(
    private readonly stats: SecurityStatsService,
    private readonly guard: IpGuardService,
    private readonly policies: SecurityPolicyService,
  ) {}

  @Get('summary')
  @ApiOperation({
    summary: 'Counts by kind, top IPs and agents, blacklist, and the same over time in hourly buckets',
  })
  summary(@CurrentAgent() me: AuthAgent, @Query() query: HoursQueryDto) {
    return this.stats.summary(me.workspaceId, query.hours ?? 24);
  }

  @Get('agents/:id/activity')
  activity(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('agent')) id: string,
    @Query() query: HoursQueryDto,
  ) {
    return this.stats.agentActivity(me.workspaceId, id, query.hours ?? 24);
  }

  @Get('ws-stats')
  wsStats(@CurrentAgent() me: AuthAgent) {
    return this.stats.wsStats(me.workspaceId);
  }

  @Get('ws-stats/:agentId')
  wsStatsOf(@CurrentAgent() me: AuthAgent, @Param('agentId', new IdPipe('agent')) agentId: string) {
    return this.stats.wsStats(me.workspaceId, agentId);
  }

  @Get('blacklist')
  blacklist(@CurrentAgent() me: AuthAgent) {
    return this.guard.list(me.workspaceId);
  }

  @Delete('blacklist/:ip')
  @HttpCode(204)
  async unblock(@CurrentAgent() me: AuthAgent, @Param('ip') ip: string) {
    if (!isIP(ip)) throw notFound('blocked IP');
    await this.guard.unblock(me.workspaceId, ip, me.id);
  }

  @Get('policy')
  policy(@CurrentAgent() me: AuthAgent) {
    return this.policies.forWorkspace(me.workspaceId);
  }

  /** Per-workspace overrides of the environment's defaults. */
  @Patch('policy')
  setPolicy(@CurrentAgent() me: AuthAgent, @Body() dto: SecurityPolicyDto) {
    return this.policies.setOverrides(me.workspaceId, {
      ...(dto.messages_per_minute !== undefined ? { messagesPerMinute: dto.messages_per_minute } : {}),
      ...(dto.max_sockets_per_agent !== undefined ? { maxSocketsPerAgent: dto.max_sockets_per_agent } : {}),
      ...(dto.spam ? { spam: dto.spam } : {}),
    });
  }
}
