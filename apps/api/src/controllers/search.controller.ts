import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SEARCH_TYPES, type SearchType } from '@parley/contract/search';
import { SavedViewService } from '@parley/domain/search/saved-view.service';
import { SearchService } from '@parley/domain/search/search.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { CreateSavedViewDto, SearchQueryDto } from '../dtos/search.dto';

/** What an app reads in a search: messages and notes with `messages:read`, contacts with `contacts:read`. */
function readableBy(me: AuthAgent): readonly SearchType[] {
  if (!me.app) return SEARCH_TYPES;
  const scopes = me.app.scopes;
  return SEARCH_TYPES.filter((type) =>
    type === 'contact' ? scopes.includes('contacts:read') : scopes.includes('messages:read'),
  );
}

@ApiTags('search')
@ApiBearerAuth()
@Controller()
export class SearchController {
  constructor(
    private readonly search: SearchService,
    private readonly views: SavedViewService,
  ) {}

  @Get('search')
  @Scopes('conversations:read')
  @ApiOperation({
    summary: 'Full-text search over messages, private notes, attachment names and contacts',
    description:
      'Newest first; `next_cursor` continues the messages (or the contacts when `type=contact` alone). Deleted and erased messages never appear. Each hit carries `highlight {field, text, ranges}`: plain text and the [start, end) offsets of the words found — mark them up yourself, never render `text` as HTML. An empty query, or one with nothing to search for, is `400 search_query_invalid`; over 256 characters `400 search_query_too_long`. A channel or agent of another workspace in the filters is 404. Apps need `conversations:read`, plus `messages:read` for message and note hits and `contacts:read` for contacts.',
  })
  find(@CurrentAgent() me: AuthAgent, @Query() query: SearchQueryDto) {
    return this.search.search(me.workspaceId, me.id, query, readableBy(me));
  }

  @Get('saved-views')
  @ApiOperation({ summary: "The agent's saved views, then the ones shared with the workspace" })
  listViews(@CurrentAgent() me: AuthAgent) {
    return this.views.list(me.workspaceId, me.id);
  }

  @Post('saved-views')
  @ApiOperation({
    summary: 'Save a search under a name',
    description:
      '`shared: true` lists it for every agent of the workspace; admins only (`403 view_share_admin_only`).',
  })
  createView(@CurrentAgent() me: AuthAgent, @Body() dto: CreateSavedViewDto) {
    return this.views.create(me.workspaceId, me, {
      name: dto.name,
      query: dto.query,
      shared: dto.shared ?? false,
    });
  }

  @Delete('saved-views/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a saved view: its owner, or an admin for a shared one' })
  async deleteView(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('saved_view')) id: string) {
    await this.views.delete(me.workspaceId, me, id);
  }
}
