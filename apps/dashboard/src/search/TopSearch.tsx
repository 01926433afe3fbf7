import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../ui/hooks';
import { searchRoute } from './search-query';

/**
 * The top bar's search box. Ctrl+K (⌘K on a Mac) puts the cursor in it from anywhere, the
 * composer included (a composer never uses Ctrl+K); Enter opens the results page.
 */
export function TopSearch() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <form
      role="search"
      className="top-search"
      onSubmit={(event) => {
        event.preventDefault();
        if (q.trim()) navigate(searchRoute({ q: q.trim() }));
      }}
    >
      <input
        ref={input}
        type="search"
        dir="auto"
        value={q}
        onChange={(event) => setQ(event.target.value)}
        placeholder={t('search.top')}
        aria-label={t('search.title')}
        aria-keyshortcuts="Control+K"
        maxLength={256}
        data-testid="top-search"
      />
    </form>
  );
}
