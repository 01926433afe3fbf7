import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { SecurityPolicyView } from '@parley/contract/security';
import { assertUsablePatterns } from './spam-patterns';

/** The limits in force for a workspace: global defaults from the environment, overridden by its admins. */
export interface SecurityPolicy {
  /** Off: no message is checked for spam, inbound or outbound (ENABLE_SPAM_DETECTION by default). */
  spamDetection: boolean;
  /** Off: the per-agent message budget is not enforced (ENABLE_RATE_LIMITING by default). */
  rateLimiting: boolean;
  messagesPerMinute: number;
  maxSocketsPerAgent: number;
  /** Spam rules. */
  spam: {
    burstMessages: number;
    burstSeconds: number;
    repeatsAllowed: number;
    maxLinks: number;
    maxMentions: number;
    /** Case-insensitive RE2 regular expressions; a match is spam. */
    patterns: string[];
  };
}

export type PolicyOverrides = Partial<Omit<SecurityPolicy, 'spam'>> & {
  spam?: Partial<SecurityPolicy['spam']>;
};

/** A change to the overrides: a field left out stays as it is, a field set to null goes back to the default. */
export type PolicyPatch = { [K in keyof Omit<SecurityPolicy, 'spam'>]?: SecurityPolicy[K] | null } & {
  spam?: { [K in keyof SecurityPolicy['spam']]?: SecurityPolicy['spam'][K] | null };
};

/** The policy as the REST API shows it (snake_case like every other resource). */
export function presentPolicy(policy: SecurityPolicy): SecurityPolicyView {
  return {
    spam_detection: policy.spamDetection,
    rate_limiting: policy.rateLimiting,
    messages_per_minute: policy.messagesPerMinute,
    max_sockets_per_agent: policy.maxSocketsPerAgent,
    spam: {
      burst_messages: policy.spam.burstMessages,
      burst_seconds: policy.spam.burstSeconds,
      repeats_allowed: policy.spam.repeatsAllowed,
      max_links: policy.spam.maxLinks,
      max_mentions: policy.spam.maxMentions,
      patterns: policy.spam.patterns,
    },
  };
}

export type PolicyChanges = Record<string, { from: unknown; to: unknown }>;

/** What differs between two policies, named as the API names the fields (`spam.patterns`). */
export function policyChanges(before: SecurityPolicy, after: SecurityPolicy): PolicyChanges {
  const flat = (policy: SecurityPolicy): Record<string, unknown> => {
    const { spam, ...top } = presentPolicy(policy);
    return {
      ...top,
      ...Object.fromEntries(Object.entries(spam).map(([key, value]) => [`spam.${key}`, value])),
    };
  };
  const [from, to] = [flat(before), flat(after)];
  return Object.fromEntries(
    Object.keys(to)
      .filter((key) => JSON.stringify(from[key]) !== JSON.stringify(to[key]))
      .map((key) => [key, { from: from[key], to: to[key] }]),
  );
}

/** Applies a patch to stored overrides: set fields replace, null fields are removed. */
export function patchOverrides(current: PolicyOverrides, patch: PolicyPatch): PolicyOverrides {
  const merge = <T extends object>(base: T, changes: object): T => {
    const next = { ...base } as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    return next as T;
  };
  const { spam, ...top } = patch;
  const next = merge(current, top) as PolicyOverrides;
  if (spam) {
    const rules = merge(current.spam ?? {}, spam);
    if (Object.keys(rules).length) next.spam = rules;
    else delete next.spam;
  }
  return next;
}

@Injectable()
export class SecurityPolicyService {
  private readonly cache = new Map<string, { policy: SecurityPolicy; until: number }>();

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  defaults(): SecurityPolicy {
    return {
      spamDetection: this.config.security.spamDetection,
      rateLimiting: this.config.security.rateLimiting,
      messagesPerMinute: this.config.security.messagesPerMinute,
      maxSocketsPerAgent: this.config.security.maxSocketsPerAgent,
      spam: {
        burstMessages: 8,
        burstSeconds: 10,
        repeatsAllowed: 3,
        maxLinks: 5,
        maxMentions: 10,
        patterns: [],
      },
    };
  }

  /** Cached for a few seconds: read on every message and handshake. */
  async forWorkspace(workspaceId: string): Promise<SecurityPolicy> {
    const hit = this.cache.get(workspaceId);
    if (hit && hit.until > Date.now()) return hit.policy;
    const rows: { settings: { security?: PolicyOverrides } }[] = await this.db.query(
      'SELECT settings FROM workspace WHERE id = $1',
      [workspaceId],
    );
    const policy = this.withOverrides(rows[0]?.settings?.security ?? {});
    this.cache.set(workspaceId, { policy, until: Date.now() + 5000 });
    return policy;
  }

  private withOverrides(overrides: PolicyOverrides): SecurityPolicy {
    const base = this.defaults();
    return { ...base, ...overrides, spam: { ...base.spam, ...overrides.spam } };
  }

  /**
   * Changes this workspace's overrides (under the row lock, so two admins' changes do not
   * overwrite each other). A pattern RE2 cannot run is refused before anything is written.
   */
  async setOverrides(
    workspaceId: string,
    patch: PolicyPatch,
  ): Promise<{ policy: SecurityPolicy; changes: PolicyChanges }> {
    if (patch.spam?.patterns) assertUsablePatterns(patch.spam.patterns);
    const changes = await this.db.transaction(async (manager) => {
      const rows: { settings: { security?: PolicyOverrides } }[] = await manager.query(
        'SELECT settings FROM workspace WHERE id = $1 FOR UPDATE',
        [workspaceId],
      );
      const current = rows[0]?.settings?.security ?? {};
      const next = patchOverrides(current, patch);
      await manager.query(
        `UPDATE workspace SET settings = jsonb_set(settings, '{security}', $2::jsonb), updated_at = now() WHERE id = $1`,
        [workspaceId, JSON.stringify(next)],
      );
      return policyChanges(this.withOverrides(current), this.withOverrides(next));
    });
    this.cache.delete(workspaceId);
    return { policy: await this.forWorkspace(workspaceId), changes };
  }
}
