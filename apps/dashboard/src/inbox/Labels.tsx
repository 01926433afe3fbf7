import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LabelView } from '@parley/contract/labels';
import type { LabelRef } from '@parley/contract/views';
import { api } from '../api/http';
import { useLive } from '../ui/live';
import { relabelList } from './label-frames';

/** The workspace's labels, loaded once per component that needs them and kept current by the list socket. */
export function useLabels(): LabelView[] {
  const [labels, setLabels] = useState<LabelView[]>([]);
  const live = useLive();
  useEffect(() => {
    api<LabelView[]>('/labels').then(setLabels, () => setLabels([]));
  }, []);
  useEffect(
    () =>
      live.onListFrame((frame) => {
        if (frame.type === 'label_updated' || frame.type === 'label_deleted')
          setLabels((current) => relabelList(current, frame));
      }),
    [live],
  );
  return labels;
}

/** A conversation's (or contact's) labels as coloured chips. */
export function LabelChips({ labels }: { labels: LabelRef[] }) {
  if (!labels.length) return null;
  return (
    <span className="label-chips" data-testid="label-chips">
      {labels.map((label) => (
        <span key={label.id} className="label-chip" data-testid="label-chip" data-label={label.id} dir="auto">
          <span className="label-swatch" style={{ background: label.color }} aria-hidden="true" />
          {label.name}
        </span>
      ))}
    </span>
  );
}

/** Ticks the conversation's labels on and off; each change replaces its set (everyone hears it). */
export function LabelPicker({
  conversationId,
  current,
  onError,
}: {
  conversationId: string;
  current: LabelRef[];
  onError(e: unknown): void;
}) {
  const { t } = useTranslation();
  const labels = useLabels();
  const chosen = new Set(current.map((l) => l.id));
  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    api(`/conversations/${conversationId}/labels`, { method: 'PUT', body: { label_ids: [...next] } }).catch(
      onError,
    );
  };
  return (
    <details className="label-picker" data-testid="label-picker">
      <summary>{t('essentials.labels.edit')}</summary>
      <fieldset>
        <legend>{t('essentials.labels.picker')}</legend>
        {labels.length === 0 && <p className="muted">{t('essentials.labels.none')}</p>}
        {labels.map((label) => (
          <label key={label.id} className="inline" dir="auto">
            <input
              type="checkbox"
              checked={chosen.has(label.id)}
              onChange={() => toggle(label.id)}
              data-testid="label-option"
              data-label={label.id}
            />
            <span className="label-swatch" style={{ background: label.color }} aria-hidden="true" />
            {label.name}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
