/** Queue names and job payloads: the one place producers and the worker agree on. */
export const QUEUES = {
  outbound: 'outbound',
} as const;

export interface OutboundJob {
  messageId: string;
  workspaceId: string;
}

export const JOBS = {
  outbound: { send: 'send' },
} as const;
