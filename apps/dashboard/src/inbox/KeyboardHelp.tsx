import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/** The inbox's shortcuts: keys (alternatives) and what they do. */
export const SHORTCUTS: { keys: string[][]; action: string }[] = [
  { keys: [['j'], ['Alt', '↓']], action: 'next' },
  { keys: [['k'], ['Alt', '↑']], action: 'previous' },
  { keys: [['e']], action: 'resolve' },
  { keys: [['a']], action: 'assignMe' },
  { keys: [['r']], action: 'focus' },
  { keys: [['/']], action: 'canned' },
  { keys: [['?']], action: 'help' },
];

/** The `?` overlay listing the shortcuts; Escape or the button closes it. */
export function KeyboardHelp({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="overlay" role="presentation" onClick={onClose}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onClose();
        }}
      >
        <h2 id="shortcuts-title">{t('essentials.keys.title')}</h2>
        <dl className="shortcuts">
          {SHORTCUTS.map((shortcut) => (
            <div key={shortcut.action}>
              <dt dir="ltr">
                {shortcut.keys.map((combo, i) => (
                  <span key={combo.join('+')}>
                    {i > 0 && <span className="muted"> {t('essentials.keys.or')} </span>}
                    {combo.map((key) => (
                      <kbd key={key}>{key}</kbd>
                    ))}
                  </span>
                ))}
              </dt>
              <dd>{t(`essentials.keys.${shortcut.action}`)}</dd>
            </div>
          ))}
        </dl>
        <button type="button" ref={close} onClick={onClose}>
          {t('essentials.keys.close')}
        </button>
      </div>
    </div>
  );
}
