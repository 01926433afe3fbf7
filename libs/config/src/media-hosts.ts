import { isIP } from 'node:net';

/** Meta's CDN hosts for Instagram Direct attachments (webhook `payload.url`). */
export const DEFAULT_INSTAGRAM_MEDIA_HOSTS =
  '*.cdninstagram.com,*.fbcdn.net,lookaside.fbsbx.com,lookaside.instagram.com';

/**
 * Where Divar's attachment links point. Divar documents no media hosts (its examples use
 * example.com), so only Divar's own domains are allowed; widen with DIVAR_MEDIA_HOSTS.
 */
export const DEFAULT_DIVAR_MEDIA_HOSTS = '*.divar.ir,*.divarcdn.com';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Parsed `INSTAGRAM_MEDIA_HOSTS`. A host pattern (`lookaside.fbsbx.com`, `*.fbcdn.net`) allows
 * https on the default port to public addresses only; a full origin (`http://127.0.0.1:3004`)
 * allows exactly that scheme, host and port, wherever it points (the simulator, a local mirror).
 */
export class MediaHostAllowlist {
  private constructor(
    private readonly exact: ReadonlySet<string>,
    private readonly hosts: readonly string[],
    private readonly suffixes: readonly string[],
  ) {}

  /** Throws an Error naming the first bad entry. */
  static parse(list: string): MediaHostAllowlist {
    const exact = new Set<string>();
    const hosts: string[] = [];
    const suffixes: string[] = [];
    for (const raw of list.split(',')) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry.includes('://')) {
        let url: URL;
        try {
          url = new URL(entry);
        } catch {
          throw new Error(`"${raw.trim()}" is not a valid origin`);
        }
        if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password)
          throw new Error(`"${raw.trim()}" must be an http or https origin`);
        if (url.pathname !== '/' || url.search || url.hash)
          throw new Error(`"${raw.trim()}" must be an origin only (no path)`);
        exact.add(url.origin);
        continue;
      }
      const wildcard = entry.startsWith('*.');
      const host = wildcard ? entry.slice(2) : entry;
      const labels = host.split('.');
      if (
        isIP(host) ||
        labels.length < 2 ||
        !labels.every((label) => LABEL.test(label)) ||
        /^\d+$/.test(labels.at(-1)!)
      )
        throw new Error(`"${raw.trim()}" must be a host name, a *.domain pattern or a full origin`);
      (wildcard ? suffixes : hosts).push(host);
    }
    return new MediaHostAllowlist(exact, hosts, suffixes);
  }

  /** `origin`: allowed as a configured origin; `public`: allowed if it resolves to public addresses only; null: refused. */
  match(url: URL): 'origin' | 'public' | null {
    if (url.username || url.password) return null;
    if (this.exact.has(url.origin)) return 'origin';
    if (url.protocol !== 'https:' || url.port !== '') return null;
    const host = url.hostname;
    if (isIP(host) || host.startsWith('[')) return null;
    if (this.hosts.includes(host) || this.suffixes.some((suffix) => host.endsWith(`.${suffix}`)))
      return 'public';
    return null;
  }
}
