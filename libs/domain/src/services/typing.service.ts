import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { RedisClient } from '@parley/runtime/redis.provider';
import { ephemeralChannel, TypingEvent } from '../events/pubsub';

/** "typing…" stops by itself this long after the last refresh. */
export const TYPING_TTL_MS = 5000;

export interface Typist {
  workspaceId: string;
  agentId: string;
  name: string;
  conversationId: string;
}

/**
 * Who is typing where: the other agents hear it (never stored), the customer sees "typing…" on the
 * platform (a job whose id buckets it, so refreshes do not flood the platform), and it stops by
 * itself when refreshes stop or the typist's socket goes.
 */
@Injectable()
export class TypingService implements OnApplicationShutdown {
  private readonly logger = new Logger(TypingService.name);
  private readonly active = new Map<string, { timer: NodeJS.Timeout; owner: object }>();

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
    private readonly queues: OutboundQueue,
  ) {}

  /** `owner` is what typed (a socket): only it can stop its own typing early with stopFor(). */
  async set(typist: Typist, isTyping: boolean, owner: object): Promise<void> {
    const key = keyOf(typist);
    clearTimeout(this.active.get(key)?.timer);
    this.active.delete(key);
    if (isTyping) {
      const timer = setTimeout(() => void this.set(typist, false, owner), TYPING_TTL_MS);
      timer.unref();
      this.active.set(key, { timer, owner });
      await this.queues.enqueueTyping({
        workspaceId: typist.workspaceId,
        conversationId: typist.conversationId,
      });
    }
    await this.announce(typist, isTyping);
  }

  /** The typist's socket went: if it was typing, it stops. */
  async stopFor(typist: Typist, owner: object): Promise<void> {
    if (this.active.get(keyOf(typist))?.owner === owner) await this.set(typist, false, owner);
  }

  private async announce(typist: Typist, isTyping: boolean): Promise<void> {
    const event: TypingEvent = {
      kind: 'typing',
      workspace_id: typist.workspaceId,
      conversation_id: typist.conversationId,
      user_id: typist.agentId,
      username: typist.name,
      is_typing: isTyping,
      timestamp: new Date().toISOString(),
    };
    try {
      await this.redis.redis.publish(ephemeralChannel(this.config), JSON.stringify(event));
    } catch (error) {
      this.logger.warn(`typing not announced: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    for (const { timer } of this.active.values()) clearTimeout(timer);
  }
}

const keyOf = (typist: Typist) => `${typist.conversationId}:${typist.agentId}`;
