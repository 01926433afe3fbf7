import type { SearchHighlight } from '@parley/contract/search';

/**
 * A highlight as text with `<mark>` around its ranges. Every piece is a React text node: what a
 * customer wrote is never read as HTML, however it looks.
 */
export function Marked({ highlight }: { highlight: SearchHighlight }) {
  const { text } = highlight;
  const ranges = [...highlight.ranges]
    .filter(([start, end]) => start >= 0 && end <= text.length && start < end)
    .sort((a, b) => a[0] - b[0]);
  const parts: (string | { mark: string })[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push({ mark: text.slice(start, end) });
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return (
    <span dir="auto" data-testid="highlight">
      {parts.map((part, i) => (typeof part === 'string' ? part : <mark key={i}>{part.mark}</mark>))}
    </span>
  );
}
