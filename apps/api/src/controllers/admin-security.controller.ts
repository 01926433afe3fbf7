import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isIP } from 'node:net';
import type { SecurityPolicyAnswer, TrustedIpsView } from '@parley/contract/security';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { notFound } from '@parley/errors/app-error';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { SecurityEventService } from '@parley/security/security-event.service';
import { presentPolicy, SecurityPolicyService } from '@parley/security/security-policy.service';
import { SecurityStatsService } from '@parley/security/security-stats.service';
import { TrustedAddressService } from '@parley/security/trusted-address.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { HoursQueryDto, SecurityPolicyDto } from '../dtos/security.dto';
import { TrustedIpsDto } from '../dtos/trusted-ips.dto';

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
    private readonly events: SecurityEventService,
    private readonly trusted: TrustedAddressService,
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

  @Get('apps/:id/activity')
  @ApiOperation({ summary: "An app's (API key's) messages, conversation changes and security events" })
  appActivity(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('api_key')) id: string,
    @Query() query: HoursQueryDto,
  ) {
    return this.stats.appActivity(me.workspaceId, id, query.hours ?? 24);
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
  @ApiOperation({
    summary:
      'IPs blocked now after failing at this workspace (its own count; can_unblock when every failure was aimed here)',
  })
  blacklist(@CurrentAgent() me: AuthAgent) {
    return this.guard.list(me.workspaceId);
  }

  @Delete('blacklist/:ip')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Lift a block every counted failure of which was aimed at this workspace (else 403 ip_block_shared)',
  })
  async unblock(@CurrentAgent() me: AuthAgent, @Param('ip') ip: string) {
    if (!isIP(ip)) throw notFound('blocked IP');
    await this.guard.unblock(me.workspaceId, ip, me.id);
  }

  @Get('policy')
  @ApiOperation({
    summary: 'The limits in force for this workspace, and the environment defaults under them',
  })
  async policy(@CurrentAgent() me: AuthAgent): Promise<SecurityPolicyAnswer> {
    return {
      ...presentPolicy(await this.policies.forWorkspace(me.workspaceId)),
      defaults: presentPolicy(this.policies.defaults()),
    };
  }

  /** Per-workspace overrides of the environment's defaults; null sends a field back to its default. */
  @Patch('policy')
  @ApiOperation({
    summary:
      'Override the spam and rate-limit switches, limits and spam rules for this workspace (null restores a default)',
  })
  async setPolicy(@CurrentAgent() me: AuthAgent, @Body() dto: SecurityPolicyDto) {
    const spam = dto.spam;
    const { changes } = await this.policies.setOverrides(me.workspaceId, {
      spamDetection: dto.spam_detection,
      rateLimiting: dto.rate_limiting,
      messagesPerMinute: dto.messages_per_minute,
      maxSocketsPerAgent: dto.max_sockets_per_agent,
      ...(spam
        ? {
            spam: {
              burstMessages: spam.burst_messages,
              burstSeconds: spam.burst_seconds,
              repeatsAllowed: spam.repeats_allowed,
              maxLinks: spam.max_links,
              maxMentions: spam.max_mentions,
              patterns: spam.patterns,
            },
          }
        : {}),
    });
    // Who loosened or tightened what stays on record beside the decisions it changes: the request
    // as sent, and each field that really changed, from what to what.
    await this.events.record({
      kind: 'policy_changed',
      workspaceId: me.workspaceId,
      agentId: me.id,
      detail: { ...dto, changes },
    });
    return this.policy(me);
  }

  @Get('trusted-ips')
  @ApiOperation({ summary: "This workspace's office addresses, never blacklisted for its own sign-ins" })
  async trustedIps(@CurrentAgent() me: AuthAgent): Promise<TrustedIpsView> {
    return { ips: await this.trusted.list(me.workspaceId) };
  }

  @Put('trusted-ips')
  @ApiOperation({ summary: "Replace this workspace's office addresses (IPs or CIDRs, at most 50)" })
  async setTrustedIps(@CurrentAgent() me: AuthAgent, @Body() dto: TrustedIpsDto): Promise<TrustedIpsView> {
    const ips = await this.trusted.set(me.workspaceId, dto.ips);
    await this.events.record({
      kind: 'policy_changed',
      workspaceId: me.workspaceId,
      agentId: me.id,
      detail: { trusted_ips: ips },
    });
    return { ips };
  }
}
