import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BusinessHoursService } from '@parley/domain/business-hours/business-hours.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { BusinessHoursDto, SlaPolicyDto } from '../dtos/business-hours.dto';

/** The workspace's business hours (with the out-of-hours reply) and its SLA policy: every agent reads, admins set. */
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
}
