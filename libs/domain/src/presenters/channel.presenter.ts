import type { ChannelView } from '@parley/contract/views';
import { Channel } from '@parley/database/entities/channel.entity';

/** A channel as agents see it: never its credentials or webhook secret. */
export const toChannelView = (channel: Channel, webhookUrl: string): ChannelView => ({
  id: channel.id,
  type: channel.type,
  name: channel.name,
  status: channel.status,
  external_id: channel.externalId,
  webhook_url: webhookUrl,
  retention_days: channel.retentionDays,
  team_id: channel.teamId,
  ...(channel.type === 'web' && channel.settings ? { web: channel.settings } : {}),
  created_at: channel.createdAt.toISOString(),
  updated_at: channel.updatedAt.toISOString(),
});
