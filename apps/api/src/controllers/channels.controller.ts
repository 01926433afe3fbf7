import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ChannelService } from '@parley/domain/services/channel.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { CreateChannelDto, UpdateChannelDto } from '../dtos/channel.dto';
import { IdPipe } from '../dtos/id.pipe';

@ApiTags('channels')
@ApiBearerAuth()
@Controller('channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelService) {}

  /** Credentials are stored encrypted and never returned. */
  @Post()
  @AdminOnly()
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateChannelDto) {
    return this.channels.create(me.workspaceId, dto);
  }

  @Get()
  list(@CurrentAgent() me: AuthAgent) {
    return this.channels.list(me.workspaceId);
  }

  @Get(':id')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('channel')) id: string) {
    return this.channels.get(me.workspaceId, id);
  }

  @Patch(':id')
  @AdminOnly()
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('channel')) id: string,
    @Body() dto: UpdateChannelDto,
  ) {
    return this.channels.update(me.workspaceId, id, dto);
  }

  /** A website channel's new identity secret, shown this once (the old one stops verifying at once). */
  @Post(':id/web/rotate-identity-secret')
  @AdminOnly()
  @HttpCode(200)
  rotateIdentitySecret(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('channel')) id: string) {
    return this.channels.rotateIdentitySecret(me.workspaceId, id);
  }

  @Delete(':id')
  @AdminOnly()
  @HttpCode(204)
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('channel')) id: string) {
    await this.channels.remove(me.workspaceId, id);
  }
}
