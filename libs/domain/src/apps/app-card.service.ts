import { Inject, Injectable } from '@nestjs/common';
import type { MessageView } from '@parley/contract/views';
import { AppConfig, CONFIG } from '@parley/config/config';
import { MessageService } from '../services/message.service';
import type { AuthAgent } from '../services/token.service';
import { appOf } from './app-action.service';
import { checkCard } from './app-card';

/**
 * An app's result card, posted back into a conversation: a private note (it never leaves Parley)
 * carrying the card, stored through the one way out every note takes (MessageService.reply), so it
 * reaches agents' sockets live, and event webhooks as `message.created`, like any note.
 */
@Injectable()
export class AppCardService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly messages: MessageService,
  ) {}

  async post(
    workspaceId: string,
    principal: AuthAgent,
    conversationId: string,
    input: unknown,
  ): Promise<MessageView> {
    const app = appOf(principal);
    const card = checkCard(input, { id: app.keyId, name: app.name }, this.config.appActions);
    // The title is the note's text: the inbox preview, search and older clients show it.
    return this.messages.reply(workspaceId, principal, conversationId, {
      content: card.title,
      type: 'note',
      card,
    });
  }
}
