/**
 * What the loader (on the business's page) and the frame (on Parley's origin) say to each other by
 * postMessage. Each side checks the other's origin and window before it believes a message: the
 * loader the api's origin and its own iframe, the frame the host origin it was created for.
 */
export interface HostIdentity {
  user_id: string;
  name?: string;
  email?: string;
  signature: string;
}

/** Loader → frame. */
export type ToFrame =
  | {
      parley: 'init';
      identity: HostIdentity | null;
      language: string | null;
      open: boolean;
      /** The invitation the visitor followed to this page (`?parley_invite=`), if any. */
      invite: string | null;
    }
  | { parley: 'open' }
  | { parley: 'close' };

/** Frame → loader. */
export type ToHost =
  | { parley: 'ready' }
  /** The visitor's origin is not allowed (or the channel is gone): the loader takes everything away. */
  | { parley: 'refused' }
  | { parley: 'close' }
  /** Unread agent messages while closed; `notify` asks for the sound and the tab title (a new one arrived). */
  | { parley: 'unread'; count: number; notify: boolean; text: string }
  /** The visitor has a conversation: later page loads open the frame early, for the badge and the sound. */
  | { parley: 'active' }
  /** An agent is calling the visitor: a closed chat opens (and chimes) so the ringing banner is seen. */
  | { parley: 'ring'; text: string };

export const isMessage = (data: unknown): data is { parley: string } =>
  typeof data === 'object' && data !== null && typeof (data as { parley?: unknown }).parley === 'string';
