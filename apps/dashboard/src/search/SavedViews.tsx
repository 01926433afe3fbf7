import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SavedViewView } from '@parley/contract/search';
import { api } from '../api/http';
import { useLive } from '../ui/live';
import { searchRoute } from './search-query';

/** Fired on window when a view was saved, so every list of them reloads. */
export const SAVED_VIEWS_CHANGED = 'parley:saved-views';

/** The agent's saved views and the workspace's shared ones, in the inbox's sidebar. */
export function SavedViews() {
  const { t } = useTranslation();
  const live = useLive();
  const me = live.session.agent;
  const [views, setViews] = useState<SavedViewView[]>([]);

  useEffect(() => {
    const load = () => api<SavedViewView[]>('/saved-views').then(setViews, () => undefined);
    void load();
    window.addEventListener(SAVED_VIEWS_CHANGED, load);
    return () => window.removeEventListener(SAVED_VIEWS_CHANGED, load);
  }, []);

  const remove = async (id: string) => {
    await api(`/saved-views/${id}`, { method: 'DELETE' }).catch(() => undefined);
    setViews((current) => current.filter((v) => v.id !== id));
  };

  if (!views.length) return null;
  return (
    <nav className="saved-views" aria-label={t('search.views')} data-testid="saved-views">
      <h2>{t('search.views')}</h2>
      <ul>
        {views.map((view) => (
          <li key={view.id} data-testid="saved-view" data-id={view.id}>
            <a href={`#${searchRoute(view.query)}`} dir="auto" className="ellipsis">
              {view.name}
            </a>
            {view.shared && <span className="tag">{t('search.shared')}</span>}
            {(view.agent_id === me.id || me.role === 'admin') && (
              <button
                type="button"
                className="link"
                aria-label={t('search.deleteView', { name: view.name })}
                onClick={() => void remove(view.id)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
