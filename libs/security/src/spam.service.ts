import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityPolicy, SecurityPolicyService } from './security-policy.service';
import { slidingWindow } from './sliding-window';
import { matchesAnyPattern, SCAN_CHARS } from './spam-patterns';

const LINK = /\bhttps?:\/\/|\bwww\.[^\s]+|\bt\.me\/\S+/gi;
const MENTION = /(^|\s)@[\p{L}\p{N}_.]+/gu;
const REPEAT_WINDOW_SECONDS = 300;

/**
 * What the content alone says (no counters): link and mention floods, configured patterns, all
 * on the first SCAN_CHARS of the text (see spam-patterns.ts). LINK and MENTION cannot backtrack:
 * each alternative either fails within a few characters or runs to the next space and succeeds,
 * so a scan is linear in the text.
 */
export async function contentSpamReason(text: string, rules: SecurityPolicy['spam']): Promise<string | null> {
  const scanned = text.slice(0, SCAN_CHARS);
  const links = scanned.match(LINK)?.length ?? 0;
  if (links > rules.maxLinks) return `link flood (${links} links)`;
  const mentions = scanned.match(MENTION)?.length ?? 0;
  if (mentions > rules.maxMentions) return `mention flood (${mentions} mentions)`;
  if (await matchesAnyPattern(rules.patterns, scanned)) return `matches a blocked pattern`;
  return null;
}

/**
 * Spam rules for one sender: bursts, the same text over and over, link and mention floods,
 * configured patterns. Counters live in Redis so every instance sees the same sender.
 */
@Injectable()
export class SpamService {
  private readonly logger = new Logger(SpamService.name);

  constructor(
    private readonly redis: RedisClient,
    private readonly policies: SecurityPolicyService,
  ) {}

  /**
   * The reason the message is spam, or null. `burst` is off for agents, whose pace the rate limit
   * keeps. With the workspace's spam detection off nothing is checked and no counter is touched.
   */
  async reason(workspaceId: string, sender: string, text: string, burst: boolean): Promise<string | null> {
    const { spamDetection, spam: rules } = await this.policies.forWorkspace(workspaceId);
    if (!spamDetection) return null;
    const byContent = await contentSpamReason(text, rules);
    if (byContent) return byContent;
    try {
      return await this.counterReason(sender, text, rules, burst);
    } catch (error) {
      // Redis down: only the content rules apply until it is back.
      this.logger.warn(`spam counters not checked: ${(error as Error).message}`);
      return null;
    }
  }

  private async counterReason(sender: string, text: string, rules: SecurityPolicy['spam'], burst: boolean) {
    if (burst) {
      const wait = await slidingWindow(
        this.redis.redis,
        `spam:burst:${sender}`,
        rules.burstMessages,
        rules.burstSeconds * 1000,
        randomUUID(),
      );
      if (wait > 0) return `burst (more than ${rules.burstMessages} messages in ${rules.burstSeconds} s)`;
    }
    const normalized = text.trim().toLowerCase().replace(/\s+/g, ' ');
    if (normalized.length >= 4) {
      const key = `spam:repeat:${sender}:${createHash('sha1').update(normalized).digest('hex')}`;
      const [[, seen]] = (await this.redis.redis
        .multi()
        .incr(key)
        .expire(key, REPEAT_WINDOW_SECONDS)
        .exec()) as [[Error | null, number]];
      if (seen > rules.repeatsAllowed)
        return `the same text ${seen} times in ${REPEAT_WINDOW_SECONDS / 60} minutes`;
    }
    return null;
  }
}
