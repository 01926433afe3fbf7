/**
 * Contacts as one person across channels (issue 16): manual creation, imports (vCard, CSV), phone
 * matching, invitations, merges, notes and typed custom attributes. Numbers are read in the
 * workspace's `phone_region` (`PATCH /api/v1/workspace {phone_region}`) and stored in E.164.
 */
import type { ChannelType } from './channel-types';
import type { ContactView } from './views';

/** `POST /api/v1/contacts/match {phones[]}` takes at most this many numbers. */
export const MATCH_MAX_PHONES = 1000;

export type PhoneMatchStatus = 'known' | 'new' | 'invalid';

/** A channel the known contact can be reached on (it has an identity there). */
export interface MatchChannel {
  channel_id: string;
  type: ChannelType;
  name: string;
}

/** One number of `POST /api/v1/contacts/match`, in the order given; nothing of it is stored. */
export interface PhoneMatch {
  input: string;
  phone_e164: string | null;
  status: PhoneMatchStatus;
  contact_id?: string;
  /** Empty for a known contact not on any channel yet: invite them. */
  channels: MatchChannel[];
}

export interface PhoneMatchResponse {
  data: PhoneMatch[];
}

/** `POST /api/v1/contacts {name?, phone?, email?, username?, allow_duplicate?}`; 409 contact_duplicate names the existing ones. */
export interface ContactDuplicateDetails {
  duplicates: ContactView[];
}

export type ContactImportFormat = 'vcard' | 'csv';
export type ContactImportStatus = 'processing' | 'done' | 'failed';

/** A refused entry of an import (a sample is kept, not every one). */
export interface ContactImportError {
  /** 1-based card or CSV row (header excluded). */
  entry: number;
  code: 'phone_invalid' | 'contact_unreachable';
  input: string | null;
}

/**
 * `POST /api/v1/contacts/import` (multipart `file`, optional `mapping` JSON for CSV such as
 * `{"name":"Full Name","phone":"Mobile","email":"E-mail"}`) answers 202 with this; poll
 * `GET /api/v1/contacts/imports/{id}` until `status` is not `processing`.
 */
export interface ContactImportView {
  id: string;
  format: ContactImportFormat;
  file_name: string | null;
  status: ContactImportStatus;
  total: number;
  processed: number;
  created: number;
  /** Entries whose number or e-mail is already a contact's (or repeats an earlier entry). */
  matched: number;
  invalid: number;
  errors: ContactImportError[];
  created_at: string;
  finished_at: string | null;
}

/** CSV columns a mapping may name. */
export const CSV_MAPPING_FIELDS = ['name', 'phone', 'email', 'username'] as const;
export type CsvMapping = Partial<Record<(typeof CSV_MAPPING_FIELDS)[number], string>>;

export type ContactAttributeType = 'text' | 'number' | 'date' | 'list';

/** `/api/v1/contact-attributes`: the workspace's custom attribute definitions. */
export interface ContactAttributeView {
  id: string;
  key: string;
  label: string;
  type: ContactAttributeType;
  /** The choices of a `list` attribute. */
  options: string[];
}

export interface ContactNoteView {
  id: string;
  content: string;
  agent_id: string | null;
  created_at: string;
}

export type InvitationStatus = 'pending' | 'accepted';

/** `POST /api/v1/contacts/{id}/invitations {channel_id}`. */
export interface InvitationView {
  id: string;
  contact_id: string;
  channel_id: string;
  channel_type: ChannelType;
  url: string;
  qr_svg: string;
  status: InvitationStatus;
  /** Whether following the link binds the customer's identity to the contact (Telegram: yes). */
  binds: boolean;
  accepted_at: string | null;
  created_at: string;
}

/** `GET /api/v1/contacts/{id}` with what the contact page shows. */
export interface ContactDetailView extends ContactView {
  extra_phones: string[];
  attributes: Record<string, string | number | null>;
  channels: MatchChannel[];
  conversations: { id: string; channel_id: string; status: string; last_message_at: string | null }[];
  notes: ContactNoteView[];
  invitations: Omit<InvitationView, 'url' | 'qr_svg'>[];
}

export interface MergeSuggestion {
  contact: ContactView;
  reason: 'phone' | 'email';
}

/** `POST /api/v1/contacts/{id}/merge {other_id}`; undo with `POST /api/v1/contacts/merges/{id}/undo` until `undo_until`. */
export interface ContactMergeView {
  id: string;
  kept_id: string;
  other_id: string;
  moved_identities: number;
  moved_conversations: number;
  undo_until: string;
  undone_at: string | null;
  created_at: string;
}

/** `GET` / `PATCH /api/v1/workspace` (PATCH: admins). */
export interface WorkspaceView {
  id: string;
  name: string;
  /** ISO 3166 alpha-2; null reads international numbers only. */
  phone_region: string | null;
}
