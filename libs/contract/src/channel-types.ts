/**
 * A channel's platform is the name of the adapter that serves it (`telegram`, `instagram`, and as
 * they land `divar`, `web`): the platform registry, not this list or the schema, knows which exist,
 * so a new platform is an adapter and a registration. These are the production platforms today.
 */
export const CHANNEL_TYPES = ['telegram', 'instagram', 'divar', 'web'] as const;
export type ChannelType = string;

export const CHANNEL_STATUSES = ['active', 'reauthorization_required'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];
