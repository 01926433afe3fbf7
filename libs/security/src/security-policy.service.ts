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

  async setOverrides(workspaceId: string, overrides: PolicyOverrides): Promise<SecurityPolicy> {
    await this.db.query(
      `UPDATE workspace SET settings = jsonb_set(settings, '{security}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [workspaceId, JSON.stringify(overrides)],
    );
    this.cache.delete(workspaceId);
    return this.forWorkspace(workspaceId);
  }
}
