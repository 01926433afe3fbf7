/**
 * The platforms a channel connects, and a channel's state. Only the types with an adapter are
 * listed: DESIGN.md reserves `divar` and `web`, which join this list with their adapters (the
 * platform registry must serve every type listed here).
 */
export const CHANNEL_TYPES = ['telegram', 'instagram'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CHANNEL_STATUSES = ['active', 'reauthorization_required'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];
