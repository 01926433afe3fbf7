import ipaddr from 'ipaddr.js';
import type { ChannelAccess } from '../platform';
import { ChannelWebhook, sameSecret, WebhookBodyInvalid, WebhookDelivery, WebhookEvent } from '../webhook';
import { normalizeDivarEvent } from './divar.normalizer';

/** Whether `ip` is inside one of the addresses or CIDR ranges. */
export function ipWithin(ip: string | undefined, ranges: readonly string[]): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    address = (address as ipaddr.IPv6).toIPv4Address();
  return ranges.some((range) => {
    const [base, bits] = range.includes('/') ? ipaddr.parseCIDR(range) : [ipaddr.parse(range), undefined];
    if (base.kind() !== address.kind()) return false;
    return address.match(base, bits ?? (base.kind() === 'ipv4' ? 32 : 128));
  });
}

/**
 * Divar posts its events to `PUBLIC_URL/webhooks/divar/{channel id}` with the app's
 * identification key, as is, in `Authorization` (no signature: `../shared/platforms/divar.md` §4).
 * With DIVAR_SOURCE_IPS set, a delivery from any other address is refused too.
 */
export class DivarWebhookReceiver implements ChannelWebhook {
  readonly addressing = 'channel' as const;
  readonly refusal = 'webhook_secret_invalid' as const;

  constructor(private readonly sourceIps: readonly string[] = []) {}

  verify(delivery: WebhookDelivery, channel: ChannelAccess) {
    if (this.sourceIps.length && !ipWithin(delivery.ip, this.sourceIps))
      return { genuine: false as const, detail: { source_ip_allowed: false } };
    const key = delivery.header('authorization');
    return sameSecret(key, channel.credentials.identification_key)
      ? { genuine: true as const }
      : { genuine: false as const, detail: { key_present: key !== undefined } };
  }

  validate(body: unknown): string | null {
    const event = body as { type?: unknown } | null;
    return typeof event === 'object' && event !== null && typeof event.type === 'string'
      ? null
      : 'an event has a string type';
  }

  normalize(body: unknown): WebhookEvent[] {
    try {
      return normalizeDivarEvent(body);
    } catch {
      throw new WebhookBodyInvalid('the body does not have the shape of a Divar event');
    }
  }
}
