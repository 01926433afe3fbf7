import { Body, Controller, Get, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { REPORT_NAMES, ReportName } from '@parley/contract/reports';
import { notFound } from '@parley/errors/app-error';
import { CsatService } from '@parley/domain/reports/csat.service';
import { ReportService } from '@parley/domain/reports/report.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { CsatChannelDto, ReportQueryDto } from '../dtos/report.dto';

/** Reports (JSON, or CSV with `format=csv`) and the channels' rating requests: admins. */
@ApiTags('reports')
@ApiBearerAuth()
@AdminOnly()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportService,
    private readonly csat: CsatService,
  ) {}

  @Get('csat/channels')
  @ApiOperation({ summary: 'Which channels send a rating request after a resolution' })
  csatChannels(@CurrentAgent() me: AuthAgent) {
    return this.csat.channels(me.workspaceId);
  }

  @Put('csat/channels/:channel_id')
  @ApiOperation({ summary: 'Turn rating requests on or off for one channel' })
  setCsatChannel(
    @CurrentAgent() me: AuthAgent,
    @Param('channel_id', new IdPipe('channel')) channelId: string,
    @Body() dto: CsatChannelDto,
  ) {
    return this.csat.setChannel(me.workspaceId, channelId, dto.enabled);
  }

  @Get(':name')
  @ApiOperation({
    summary:
      'overview | channels | agents | teams | hours | csat over ?from&to in ?tz, filtered by channel_id, agent_id and team_id; format=csv for CSV',
  })
  async report(
    @CurrentAgent() me: AuthAgent,
    @Param('name') name: string,
    @Query() query: ReportQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!REPORT_NAMES.includes(name as ReportName)) throw notFound('report');
    const report = name as ReportName;
    const { format, ...filters } = query;
    if (format === 'csv') {
      const csv = await this.reports.csv(me.workspaceId, report, filters);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="parley-${report}.csv"`);
      return csv;
    }
    return this.reports[report](me.workspaceId, filters);
  }
}
