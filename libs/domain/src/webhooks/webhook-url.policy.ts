import { Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';
import { isPublicAddress } from '@parley/platforms/media-fetch';

export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const invalid = (reason: string) => new AppError('webhook_url_invalid', 400, { reason });
const refused = (reason: string) => new AppError('webhook_url_refused', 400, { reason });

/**
 * Where webhooks may go. http(s) only (plain http outside production or when the operator allows
 * it), no credentials in the URL, and no private, loopback, link-local, unique-local, CGNAT,
 * multicast or IPv4-mapped destination — checked when a subscription is saved and again at every
 * delivery's connect (the agents below refuse a non-public address the name resolves to then, so a
 * DNS change is caught, and the address checked is the one connected to). The operator opens
 * private destinations with WEBHOOK_ALLOW_PRIVATE or, host by host, WEBHOOK_ALLOWED_HOSTS.
 */
@Injectable()
export class WebhookUrlPolicy {
  /** Replaceable by tests to stage a DNS answer (and its change between save and delivery). */
  resolve: Resolve = systemResolve;
  private filtering: { http: HttpAgent; https: HttpsAgent } | null = null;
  private readonly plain = { http: new HttpAgent(), https: new HttpsAgent() };

  constructor(@Inject(CONFIG) private readonly config: AppConfig) {}

  /** Parses and checks a URL an admin gave; answers it normalized, or throws a 400 with a stable code. */
  async check(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid('not an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('only http and https URLs');
    if (url.protocol === 'http:' && !this.config.webhooks.allowHttp) throw invalid('https is required');
    if (url.username || url.password) throw invalid('credentials in the URL are not allowed');
    if (url.href.length > 2048) throw invalid('longer than 2048 characters');
    if (this.hostAllowed(url.hostname)) return url.href;
    const host = bare(url.hostname);
    let addresses: string[];
    if (ipaddr.isValid(host)) addresses = [host];
    else {
      try {
        addresses = (await this.resolve(host)).map((a) => a.address);
      } catch {
        throw refused(`${host} does not resolve`);
      }
    }
    const bad = addresses.find((address) => !isPublicAddress(address));
    if (!addresses.length || bad) throw refused(`${host} is not a public address${bad ? ` (${bad})` : ''}`);
    return url.href;
  }

  /** True when the operator lets this host resolve anywhere. */
  hostAllowed(hostname: string): boolean {
    return this.config.webhooks.allowPrivate || this.config.webhooks.allowedHosts.includes(bare(hostname));
  }

  /** The agents a delivery connects with: ones that refuse non-public addresses at connect time, unless allowed. */
  agentsFor(url: URL): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
    if (this.hostAllowed(url.hostname)) return { httpAgent: this.plain.http, httpsAgent: this.plain.https };
    this.filtering ??= this.filteringAgents();
    return { httpAgent: this.filtering.http, httpsAgent: this.filtering.https };
  }

  private filteringAgents() {
    // The connect-time lookup goes through `resolve` too, so a staged DNS change reaches it.
    const lookup: LookupFunction = (hostname, options, callback) => {
      this.resolve(hostname).then(
        (answers) => {
          if (!answers.length) return callback(new Error(`${hostname} does not resolve`), '', 0);
          if ((options as { all?: boolean }).all) return (callback as unknown as AllCallback)(null, answers);
          callback(null, answers[0].address, answers[0].family);
        },
        (error: NodeJS.ErrnoException) => callback(error, '', 0),
      );
    };
    return {
      http: new RequestFilteringHttpAgent({ lookup }),
      https: new RequestFilteringHttpsAgent({ lookup }),
    };
  }
}

type AllCallback = (error: null, addresses: { address: string; family: number }[]) => void;

const bare = (hostname: string) => hostname.toLowerCase().replace(/^\[|\]$/g, '');
