import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';

/** The limits in force for a workspace: global defaults from the environment, overridden by its admins. */
export interface SecurityPolicy {
  messagesPerMinute: number;
  maxSocketsPerAgent: number;
  /** Spam rules. */
  spam: {
    burstMessages: number;
    burstSeconds: number;
    repeatsAllowed: number;
    maxLinks: number;
    maxMentions: number;
    /** Case-insensitive regular expressions; a match is spam. */
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
export function presentPolicy(policy: SecurityPolicy) {
  return {
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
    const overrides = rows[0]?.settings?.security ?? {};
    const base = this.defaults();
    const policy: SecurityPolicy = { ...base, ...overrides, spam: { ...base.spam, ...overrides.spam } };
    this.cache.set(workspaceId, { policy, until: Date.now() + 5000 });
    return policy;
  }

  /** Changes this workspace's overrides (in one statement, so two admins' changes do not overwrite each other). */
  async setOverrides(workspaceId: string, patch: PolicyPatch): Promise<SecurityPolicy> {
    await this.db.transaction(async (manager) => {
      const rows: { settings: { security?: PolicyOverrides } }[] = await manager.query(
        'SELECT settings FROM workspace WHERE id = $1 FOR UPDATE',
        [workspaceId],
      );
      const next = patchOverrides(rows[0]?.settings?.security ?? {}, patch);
      await manager.query(
        `UPDATE workspace SET settings = jsonb_set(settings, '{security}', $2::jsonb), updated_at = now() WHERE id = $1`,
        [workspaceId, JSON.stringify(next)],
      );
    });
    this.cache.delete(workspaceId);
    return this.forWorkspace(workspaceId);
  }
}
