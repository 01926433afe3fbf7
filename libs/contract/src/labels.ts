/** Labels (`/api/v1/labels`): coloured tags of a workspace, put on conversations and contacts. */
import type { LabelRef } from './views';

export const LABEL_COLOR = /^#[0-9a-fA-F]{6}$/;
export const LABEL_NAME_MAX = 64;

export interface LabelView extends LabelRef {
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** `PUT /conversations/{id}/labels` and `PUT /contacts/{id}/labels`: the whole set, replacing the old one. */
export interface SetLabelsBody {
  label_ids: string[];
}
