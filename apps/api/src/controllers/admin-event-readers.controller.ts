import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventLog } from '@parley/domain/events/event-log';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';

/** How far each reader of the event log (live sockets, …) is behind in this workspace. */
@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('admin/event-readers')
export class AdminEventReadersController {
  constructor(private readonly log: EventLog) {}

  @Get()
  @ApiOperation({
    summary:
      "Each event reader's lag in this workspace: events behind, the oldest pending one, and its retry state",
  })
  list(@CurrentAgent() me: AuthAgent) {
    return this.log.lagOf(me.workspaceId);
  }
}
