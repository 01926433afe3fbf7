/** Canned replies (`/api/v1/canned-responses`): the workspace's (admins write them) and each agent's own. */

export const CANNED_SCOPES = ['workspace', 'personal'] as const;
export type CannedScope = (typeof CANNED_SCOPES)[number];

/** The variables a canned reply may hold; anything else in `{{ }}` is left as written. */
export const CANNED_VARIABLES = ['contact.name', 'contact.phone', 'agent.name', 'conversation.id'] as const;
export type CannedVariable = (typeof CANNED_VARIABLES)[number];

export const CANNED_SHORTCUT = /^[\p{L}\p{N}_-]{1,64}$/u;
export const CANNED_CONTENT_MAX = 4096;

/** The most files one canned reply holds. */
export const CANNED_ATTACHMENTS_MAX = 5;

/** A file kept with a canned reply: `image` when its bytes are a JPEG, PNG, WebP or GIF, else `file`. */
export interface CannedAttachmentView {
  id: string;
  kind: 'image' | 'file';
  /** What the bytes were sniffed as (never what the uploader claimed). */
  mime: string;
  size: number;
  file_name: string;
  created_at: string;
}

export interface CannedResponseView {
  id: string;
  shortcut: string;
  content: string;
  scope: CannedScope;
  /** The agent whose own reply it is; null for the workspace's. */
  owner_id: string | null;
  /** In the order they were attached; sending the reply sends each as its own attachment. */
  attachments: CannedAttachmentView[];
  created_at: string;
  updated_at: string;
}

/** `POST /canned-responses/{id}/render {conversation_id}`: the content with its variables filled. */
export interface RenderedCannedResponse {
  content: string;
  /** Variables that had no value here (left in the text as written). */
  missing: string[];
}

/**
 * Fills `{{ variable }}` placeholders in one pass: a value is inserted as text and never read as a
 * template again, and an unknown variable, or one with no value, stays as written.
 */
export function renderCanned(
  content: string,
  values: Partial<Record<CannedVariable, string | null>>,
): RenderedCannedResponse {
  const missing = new Set<string>();
  const rendered = content.replace(/\{\{\s*([a-z_.]+)\s*\}\}/gi, (whole, name: string) => {
    const key = name.toLowerCase();
    const value = (CANNED_VARIABLES as readonly string[]).includes(key)
      ? values[key as CannedVariable]
      : undefined;
    if (value === undefined || value === null || value === '') {
      missing.add(name);
      return whole;
    }
    return value;
  });
  return { content: rendered, missing: [...missing] };
}
