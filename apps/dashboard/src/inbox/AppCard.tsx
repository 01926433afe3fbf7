import { useTranslation } from 'react-i18next';
import type { MessageCard } from '@parley/contract/app-actions';

/** A result card an app posted into the conversation: title, text, fields, and its link. */
export function AppCard({ card }: { card: MessageCard }) {
  const { t } = useTranslation();
  return (
    <section className="app-card" data-testid="card">
      <h4 dir="auto" data-testid="card-title">
        {card.title}
      </h4>
      {card.text && (
        <p className="content" dir="auto">
          {card.text}
        </p>
      )}
      {card.fields.length > 0 && (
        <dl>
          {card.fields.map((field, index) => (
            <div key={index}>
              <dt dir="auto">{field.label}</dt>
              <dd dir="auto">{field.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {card.url && /^https?:\/\//.test(card.url) && (
        <a href={card.url} target="_blank" rel="noopener noreferrer">
          {t('appPanel.openLink', { app: card.app.name })}
        </a>
      )}
    </section>
  );
}
