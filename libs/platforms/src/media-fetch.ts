import axios, { AxiosResponse } from 'axios';
import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { MediaHostAllowlist } from '@parley/config/media-hosts';
import { PlatformError } from './platform-error';

/**
 * The rules for fetching a file a platform's webhook points at (Instagram sends a URL): only
 * allowlisted hosts, every redirect hop checked again, no private addresses after DNS, the
 * platform's token only to the platform's API, and one time bound for the whole download.
 */

const MAX_REDIRECTS = 3;

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A URL Parley will not fetch; permanent (retrying cannot help) and worth a security event. */
export const refused = (reason: string) => new PlatformError('url_refused', reason);

/** A globally routable unicast address: no private, loopback, link-local, unique-local, mapped or reserved ranges. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  // ::ffff:127.0.0.1 and friends reach IPv4 hosts; refused outright rather than unwrapped.
  return parsed.range() === 'unicast';
}

/**
 * Checks one hop: the URL against the allowlist and, for host patterns, every address its name
 * resolves to. Answers how to connect; throws `url_refused` otherwise.
 */
export async function checkMediaUrl(
  raw: string,
  allowlist: MediaHostAllowlist,
  lookup: Lookup = systemLookup,
): Promise<{ url: URL; match: 'origin' | 'public' }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('the media URL is not a valid URL');
  }
  const match = allowlist.match(url);
  if (!match) throw refused(`${url.protocol}//${url.host} is not an allowed media host`);
  if (match === 'public') {
    let addresses: { address: string }[];
    try {
      addresses = await lookup(url.hostname);
    } catch (error) {
      throw new PlatformError('temporary', `cannot resolve ${url.hostname}: ${(error as Error).message}`);
    }
    const bad = addresses.find(({ address }) => !isPublicAddress(address));
    if (!addresses.length || bad)
      throw refused(`${url.hostname} resolves to a non-public address${bad ? ` (${bad.address})` : ''}`);
  }
  return { url, match };
}

export interface MediaFetchOptions {
  allowlist: MediaHostAllowlist;
  /** The platform's API origin: the only one that ever receives `authorization`. */
  credentialOrigin: string;
  authorization?: string;
  /** Bounds every hop and the whole body together. */
  timeoutMs: number;
  maxBytes: number;
  lookup?: Lookup;
}

/** The agents a fetcher connects with; host-pattern hops go through ones that re-check the address at connect time. */
export interface MediaAgents {
  filteringHttp: HttpAgent;
  filteringHttps: HttpsAgent;
  plainHttp: HttpAgent;
  plainHttps: HttpsAgent;
}

/** `lookup` replaces the system resolver at connect time (the unit spec stages a DNS rebinding with it). */
export function mediaAgents(lookup?: LookupFunction): MediaAgents {
  return {
    filteringHttp: new RequestFilteringHttpAgent({ keepAlive: true, lookup }),
    filteringHttps: new RequestFilteringHttpsAgent({ keepAlive: true, lookup }),
    plainHttp: new HttpAgent({ keepAlive: true }),
    plainHttps: new HttpsAgent({ keepAlive: true }),
  };
}

/** request-filtering-agent refuses with a plain Error; its wording is the only mark it leaves. */
const refusedAtConnect = (error: unknown) => {
  const seen = error as { message?: string; cause?: { message?: string } };
  return [seen?.message, seen?.cause?.message].some((m) => /^DNS lookup .* is not allowed/.test(m ?? ''));
};

/** One time bound over several steps and a body: `guard` cuts the stream off when it passes. */
export function deadline(timeoutMs: number) {
  const controller = new AbortController();
  const error = () => new PlatformError('temporary', `the media download took longer than ${timeoutMs} ms`);
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  return {
    signal: controller.signal,
    error,
    cancel: () => clearTimeout(timer),
    guard<T extends Readable>(stream: T): T {
      const stop = () => stream.destroy(error());
      controller.signal.addEventListener('abort', stop, { once: true });
      stream.once('close', () => {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', stop);
      });
      if (controller.signal.aborted) stop();
      return stream;
    },
  };
}

/**
 * Downloads `raw` under the rules above, following at most three redirects itself. The returned
 * stream errors (and is destroyed) when the time bound passes before its end.
 */
export async function fetchMedia(
  raw: string,
  options: MediaFetchOptions,
  agents: MediaAgents,
): Promise<{ stream: Readable; declaredMime?: string }> {
  const bound = deadline(options.timeoutMs);
  let next = raw;
  try {
    for (let hop = 0; ; hop++) {
      const { url, match } = await checkMediaUrl(next, options.allowlist, options.lookup);
      if (bound.signal.aborted) throw bound.error();
      let response: AxiosResponse<Readable>;
      // axios gets a signal of its own that stops with the bound only until the headers are in:
      // after that the body is guarded below, so it fails with our error and not axios's.
      const request = new AbortController();
      const cancel = () => request.abort();
      bound.signal.addEventListener('abort', cancel, { once: true });
      try {
        response = await axios.get<Readable>(url.href, {
          responseType: 'stream',
          maxRedirects: 0,
          // An HTTP(S)_PROXY from the environment would connect for us, past the address check.
          proxy: false,
          validateStatus: () => true,
          signal: request.signal,
          httpAgent: match === 'public' ? agents.filteringHttp : agents.plainHttp,
          httpsAgent: match === 'public' ? agents.filteringHttps : agents.plainHttps,
          headers:
            options.authorization && url.origin === options.credentialOrigin
              ? { authorization: options.authorization }
              : {},
        });
      } catch (error) {
        if (refusedAtConnect(error)) throw refused(`${url.hostname} resolved to a non-public address`);
        if (bound.signal.aborted) throw bound.error();
        throw new PlatformError('temporary', `network: ${(error as Error).message}`);
      } finally {
        bound.signal.removeEventListener('abort', cancel);
      }
      const { status, headers, data } = response;
      if (status >= 300 && status < 400 && headers.location) {
        data.destroy();
        if (hop >= MAX_REDIRECTS) throw refused(`more than ${MAX_REDIRECTS} redirects`);
        next = new URL(String(headers.location), url).href;
        continue;
      }
      if (status < 200 || status >= 300) {
        data.destroy();
        throw new PlatformError(
          status === 429 || status >= 500 ? 'temporary' : 'rejected',
          `the media host answered ${status}`,
        );
      }
      if (Number(headers['content-length']) > options.maxBytes) {
        data.destroy();
        throw new PlatformError('rejected', `larger than ${options.maxBytes} bytes`);
      }
      // The bound covers the body too: a host that trickles bytes is cut off.
      return {
        stream: bound.guard(data),
        declaredMime: String(headers['content-type'] ?? '') || undefined,
      };
    }
  } catch (error) {
    bound.cancel();
    throw error;
  }
}
