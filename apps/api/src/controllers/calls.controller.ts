import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig, CONFIG } from '@parley/config/config';
import type {
  CallLinkView,
  CallStartView,
  CallView,
  IceServersView,
  VisitorCallView,
} from '@parley/contract/calls';
import type { Page } from '@parley/contract/views';
import { CallHistoryService } from '@parley/domain/calls/call-history.service';
import { CallLinkService } from '@parley/domain/calls/call-link.service';
import { toCallView } from '@parley/domain/calls/call.presenter';
import { CallStartService } from '@parley/domain/calls/call-start.service';
import { CallStateService } from '@parley/domain/calls/call-state.service';
import { iceServersFor } from '@parley/domain/calls/ice-servers';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent } from '../auth/auth.guards';
import { HangupCallDto, StartCallDto } from '../dtos/call.dto';
import { IdPipe } from '../dtos/id.pipe';
import { PageQueryDto } from '../dtos/page.dto';

/**
 * Voice calls between agents (and from call-link customers to agents). Agents only: no route here
 * declares a scope, so API keys and OAuth apps cannot place or answer calls. Signalling goes over
 * `/ws/notifications/` (`call_signal`); states reach both parties there as `call_state`.
 */
@ApiTags('calls')
@ApiBearerAuth()
@Controller('calls')
export class CallsController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly starts: CallStartService,
    private readonly states: CallStateService,
    private readonly history: CallHistoryService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Call an agent, the assignee of a conversation, or (`callee: "contact"`) its website visitor',
    description:
      'Answers `{call_id, status: "ringing"}`; the callee’s notifications sockets (a visitor: its widget socket) get `incoming_call`. `status: "busy"` when the callee is already in a ringing or active call; `409 call_caller_busy` when the caller is.',
  })
  start(@CurrentAgent() me: AuthAgent, @Body() dto: StartCallDto): Promise<CallStartView> {
    return this.starts.start(
      me.workspaceId,
      { kind: 'agent', id: me.id, name: me.name },
      { agentId: dto.agent_id, conversationId: dto.conversation_id, callee: dto.callee },
    );
  }

  @Get()
  @ApiOperation({ summary: 'The agent’s calls, made and received, newest first (cursor-paginated)' })
  list(@CurrentAgent() me: AuthAgent, @Query() query: PageQueryDto): Promise<Page<CallView>> {
    return this.history.list(me.workspaceId, me.id, query.cursor, query.limit);
  }

  @Get('ice-servers')
  @ApiOperation({
    summary: 'STUN and TURN servers for RTCPeerConnection',
    description:
      'TURN credentials follow the TURN REST API: username `<expiry unix>:<agent id>`, credential base64(HMAC-SHA1(TURN_SECRET, username)), valid for `ttl_seconds`.',
  })
  iceServers(@CurrentAgent() me: AuthAgent): IceServersView {
    return iceServersFor(this.config.calls, me.id);
  }

  @Get(':id')
  async get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('call')) id: string): Promise<CallView> {
    return toCallView(await this.history.get(me.workspaceId, me.id, id));
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a ringing call (the callee only; one tab wins, `409 call_not_ringing` for the rest)',
  })
  async accept(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('call')) id: string,
  ): Promise<CallView> {
    return toCallView(await this.states.accept(me.workspaceId, me.id, id));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline a ringing call (the callee only)' })
  async reject(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('call')) id: string,
  ): Promise<CallView> {
    return toCallView(await this.states.reject(me.workspaceId, me.id, id));
  }

  @Post(':id/hangup')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'End the call: an active one `ended` (or `failed`), a ringing one `cancelled` by its caller, `rejected` by its callee',
  })
  async hangup(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('call')) id: string,
    @Body() dto: HangupCallDto,
  ): Promise<CallView> {
    return toCallView(
      await this.states.hangup(me.workspaceId, { kind: 'agent', id: me.id }, id, dto.failed === true),
    );
  }
}

/** `POST /conversations/{id}/call-link`: a link the agent sends the customer, who opens it and calls. */
@ApiTags('calls')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationCallLinkController {
  constructor(
    private readonly links: CallLinkService,
    private readonly starts: CallStartService,
  ) {}

  @Get(':id/visitor-call')
  @ApiOperation({
    summary: 'Whether the conversation’s website visitor can be called now',
    description:
      'Answers `{web, online}`: a website conversation, and its visitor has the widget open now (then `POST /calls {conversation_id, callee: "contact"}` rings it).',
  })
  async visitorCall(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
  ): Promise<VisitorCallView> {
    return this.starts.visitorStatus(me.workspaceId, id);
  }

  @Post(':id/call-link')
  @ApiOperation({
    summary: 'A call link for the conversation’s customer',
    description:
      'Answers `{url, expires_at}`: a signed page (`/call/<token>`, en/fa/ar by the browser’s language) for this one conversation. Send it to the customer as a message; opening it and pressing Call rings the agent who made the link (or the conversation’s assignee when that agent is gone).',
  })
  create(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
  ): Promise<CallLinkView> {
    return this.links.issue(me.workspaceId, me.id, id);
  }
}
