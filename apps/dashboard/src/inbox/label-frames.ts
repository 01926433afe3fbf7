import type { LabelView } from '@parley/contract/labels';
import type { LabelDeletedFrame, LabelUpdatedFrame } from '@parley/contract/server-frames';
import type { LabelRef } from '@parley/contract/views';

/** An admin renamed, recoloured or deleted a label (conversations and chat sockets). */
export type LabelFrame = LabelUpdatedFrame | LabelDeletedFrame;

/** A conversation's or contact's labels after the frame: the label renamed in place, or gone. */
export function relabel(labels: LabelRef[], frame: LabelFrame): LabelRef[] {
  if (frame.type === 'label_deleted') {
    return labels.some((l) => l.id === frame.label_id)
      ? labels.filter((l) => l.id !== frame.label_id)
      : labels;
  }
  const { id, name, color } = frame.label;
  return labels.some((l) => l.id === id)
    ? labels.map((l) => (l.id === id ? { id, name, color } : l))
    : labels;
}

/** The workspace's label list (filters, pickers) after the frame, still by name. */
export function relabelList(labels: LabelView[], frame: LabelFrame): LabelView[] {
  if (frame.type === 'label_deleted') return labels.filter((l) => l.id !== frame.label_id);
  const { label } = frame;
  return labels
    .map((l) => (l.id === label.id ? label : l))
    .sort((x, y) => x.name.toLowerCase().localeCompare(y.name.toLowerCase()));
}
