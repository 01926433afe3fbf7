import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import proxyaddr from 'proxy-addr';
import { DataSource } from 'typeorm';
import { isIpOrCidr } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';

const MAX_ENTRIES = 50;
const CACHE_MS = 5000;

/**
 * A workspace's own office addresses (IPs or CIDRs), set by its admins: sign-ins to that
 * workspace's accounts from them are never counted toward, nor refused by, the IP blacklist —
 * which other tenants' attackers behind the same address could otherwise trigger. The
 * per-account slow-down still applies.
 */
@Injectable()
export class TrustedAddressService {
  private readonly cache = new Map<
    string,
    { list: string[]; match: (ip: string) => boolean; until: number }
  >();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(workspaceId: string): Promise<string[]> {
    return (await this.load(workspaceId)).list;
  }

  async includes(workspaceId: string | null | undefined, ip: string): Promise<boolean> {
    if (!workspaceId) return false;
    try {
      return (await this.load(workspaceId)).match(ip);
    } catch {
      return false;
    }
  }

  async set(workspaceId: string, entries: string[]): Promise<string[]> {
    const list = [...new Set(entries.map((e) => e.trim()).filter(Boolean))];
    const bad = list.filter((entry) => !isIpOrCidr(entry));
    if (bad.length)
      throw new AppError('validation_failed', 400, {
        problems: `not an IP address or CIDR: ${bad.slice(0, 3).join(', ')}`,
      });
    if (list.length > MAX_ENTRIES)
      throw new AppError('validation_failed', 400, { problems: `at most ${MAX_ENTRIES} addresses` });
    await this.db.query(
      `UPDATE workspace SET settings = jsonb_set(settings, '{trusted_ips}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [workspaceId, JSON.stringify(list)],
    );
    this.cache.delete(workspaceId);
    return list;
  }

  private async load(workspaceId: string) {
    const hit = this.cache.get(workspaceId);
    if (hit && hit.until > Date.now()) return hit;
    const rows: { list: unknown }[] = await this.db.query(
      `SELECT settings->'trusted_ips' AS list FROM workspace WHERE id = $1`,
      [workspaceId],
    );
    const list = Array.isArray(rows[0]?.list) ? (rows[0].list as string[]).filter(isIpOrCidr) : [];
    const trust = list.length ? proxyaddr.compile(list) : null;
    const entry = {
      list,
      match: (ip: string) => !!trust && trust(ip.replace(/^::ffff:/, ''), 0),
      until: Date.now() + CACHE_MS,
    };
    this.cache.set(workspaceId, entry);
    return entry;
  }
}
