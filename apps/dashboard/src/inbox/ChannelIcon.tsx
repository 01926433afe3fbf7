import type { ChannelType } from '@parley/contract/channel-types';

/** Telegram's paper plane, Instagram's camera, Divar's red badge or the website widget's chat bubble, with the platform's name for screen readers. */
export function ChannelIcon({ type }: { type: ChannelType }) {
  if (type === 'web')
    return (
      <svg className="channel-icon" viewBox="0 0 24 24" role="img" aria-label="Website" data-channel="web">
        <rect width="24" height="24" rx="6" fill="#0F766E" />
        <path d="M6 6.5h12a1.5 1.5 0 0 1 1.5 1.5v7a1.5 1.5 0 0 1-1.5 1.5h-7l-3.5 3v-3H6A1.5 1.5 0 0 1 4.5 15V8A1.5 1.5 0 0 1 6 6.5z" fill="#fff" />
        <circle cx="9" cy="11.5" r="1.1" fill="#0F766E" />
        <circle cx="12" cy="11.5" r="1.1" fill="#0F766E" />
        <circle cx="15" cy="11.5" r="1.1" fill="#0F766E" />
      </svg>
    );
  if (type === 'divar')
    return (
      <svg className="channel-icon" viewBox="0 0 24 24" role="img" aria-label="Divar" data-channel="divar">
        <rect width="24" height="24" rx="6" fill="#A62626" />
        <path
          d="M7 6.5h5.2c3.3 0 5.3 2.2 5.3 5.5s-2 5.5-5.3 5.5H7zm2.4 2.1v6.8h2.7c1.9 0 3-1.3 3-3.4s-1.1-3.4-3-3.4z"
          fill="#fff"
        />
      </svg>
    );
  if (type === 'telegram')
    return (
      <svg
        className="channel-icon"
        viewBox="0 0 24 24"
        role="img"
        aria-label="Telegram"
        data-channel="telegram"
      >
        <circle cx="12" cy="12" r="12" fill="#229ED9" />
        <path
          d="M5.5 11.8l11-4.3c.5-.2 1 .1.8.9l-1.9 8.9c-.1.6-.5.8-1 .5l-2.9-2.1-1.4 1.3c-.2.2-.3.3-.6.3l.2-2.9 5.3-4.8c.2-.2 0-.3-.3-.1l-6.6 4.1-2.8-.9c-.6-.2-.6-.6.2-.9z"
          fill="#fff"
        />
      </svg>
    );
  return (
    <svg
      className="channel-icon"
      viewBox="0 0 24 24"
      role="img"
      aria-label="Instagram"
      data-channel="instagram"
    >
      <defs>
        <linearGradient id="ig" x1="0" y1="1" x2="1" y2="0">
          <stop offset="0" stopColor="#feda75" />
          <stop offset=".5" stopColor="#d62976" />
          <stop offset="1" stopColor="#4f5bd5" />
        </linearGradient>
      </defs>
      <rect width="24" height="24" rx="6" fill="url(#ig)" />
      <rect x="5" y="5" width="14" height="14" rx="4" fill="none" stroke="#fff" strokeWidth="1.8" />
      <circle cx="12" cy="12" r="3.3" fill="none" stroke="#fff" strokeWidth="1.8" />
      <circle cx="16.3" cy="7.7" r="1" fill="#fff" />
    </svg>
  );
}
