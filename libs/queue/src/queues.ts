/** Queue names and job payloads: the one place producers and the worker agree on. */
export const QUEUES = {
  outbound: 'outbound',
  media: 'media',
  typing: 'typing',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Send one support reply; jobId = the message id, so adding it twice is a no-op. */
export interface OutboundJob {
  messageId: string;
  workspaceId: string;
}

/**
 * Carry one agent's edit, delete or reaction to the platform (on the outbound queue, with the
 * replies' guarantees); jobId = `change-<change id>`, so adding it twice is a no-op.
 */
export interface PlatformChangeJob {
  changeId: string;
  workspaceId: string;
}

/** Download one inbound attachment; jobId = `<message id>-<index>`. */
export interface MediaJob {
  messageId: string;
  workspaceId: string;
  attachmentIndex: number;
  source: string;
}

/** Show "typing…" to the customer; jobId buckets by conversation and 4 s, which throttles it. */
export interface TypingJob {
  workspaceId: string;
  conversationId: string;
}

export const JOBS = {
  outbound: { send: 'send', change: 'change' },
  media: { download: 'download' },
  typing: { show: 'show' },
} as const;
