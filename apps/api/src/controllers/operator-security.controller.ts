import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isIP } from 'node:net';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { notFound } from '@parley/errors/app-error';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { SecurityStatsService } from '@parley/security/security-stats.service';
import { CurrentAgent, OperatorOnly } from '../auth/auth.guards';
import { HoursQueryDto } from '../dtos/security.dto';

/**
 * The instance operator's view (OPERATOR_EMAILS, or the instance's first account): attacks on the
 * whole instance, including guesses at accounts that do not exist, and every blocked IP.
 */
@ApiTags('operator security')
@ApiBearerAuth()
@OperatorOnly()
@Controller('operator/security')
export class OperatorSecurityController {
  constructor(
    private readonly stats: SecurityStatsService,
    private readonly guard: IpGuardService,
  ) {}

  @Get('summary')
  @ApiOperation({
    summary: 'Every workspace and unattributed events: counts, top IPs, blocks, hourly buckets',
  })
  summary(@Query() query: HoursQueryDto) {
    return this.stats.instanceSummary(query.hours ?? 24);
  }

  @Get('blacklist')
  @ApiOperation({ summary: 'Every IP blocked now, with the workspaces it failed at' })
  blacklist() {
    return this.guard.listAll();
  }

  @Delete('blacklist/:ip')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift any block' })
  async unblock(@CurrentAgent() me: AuthAgent, @Param('ip') ip: string) {
    if (!isIP(ip)) throw notFound('blocked IP');
    await this.guard.unblockAsOperator(ip, me.id);
  }
}
