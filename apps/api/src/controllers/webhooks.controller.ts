import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { WebhookService } from '@parley/domain/webhooks/webhook.service';
import { AdminOnly, CurrentAgent, Scopes } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { PageQueryDto } from '../dtos/page.dto';
import { CreateWebhookDto, ReplayWebhookDto, UpdateWebhookDto } from '../dtos/webhook.dto';

/** Outgoing event webhooks of the workspace: admins, and apps whose key has `webhooks:manage`. */
@ApiTags('webhooks')
@ApiBearerAuth()
@AdminOnly()
@Scopes('webhooks:manage')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events; the answer shows the signing secret, once' })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(me.workspaceId, dto);
  }

  @Get()
  list(@CurrentAgent() me: AuthAgent) {
    return this.webhooks.list(me.workspaceId);
  }

  @Get(':id')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('webhook')) id: string) {
    return this.webhooks.get(me.workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the URL or events; `paused` pauses (true) or resumes (false)' })
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('webhook')) id: string,
    @Body() dto: UpdateWebhookDto,
  ) {
    return this.webhooks.update(me.workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('webhook')) id: string) {
    await this.webhooks.remove(me.workspaceId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret, shown once; deliveries from now on are signed with it' })
  rotate(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('webhook')) id: string) {
    return this.webhooks.rotateSecret(me.workspaceId, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log, newest first: state, attempts, status, latency, next try' })
  deliveries(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('webhook')) id: string,
    @Query() query: PageQueryDto,
  ) {
    return this.webhooks.deliveries(me.workspaceId, id, query);
  }

  @Post(':id/deliveries/:delivery_id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one delivery again now (same id)' })
  retry(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('webhook')) id: string,
    @Param('delivery_id', new IdPipe('delivery')) deliveryId: string,
  ) {
    return this.webhooks.retryDelivery(me.workspaceId, id, deliveryId);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Re-deliver every matching event after since_seq (or since a time), in order, as replays',
  })
  replay(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('webhook')) id: string,
    @Body() dto: ReplayWebhookDto,
  ) {
    return this.webhooks.replay(me.workspaceId, id, dto);
  }
}
