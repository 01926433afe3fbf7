import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { DEFAULT_DIVAR_MEDIA_HOSTS, DEFAULT_INSTAGRAM_MEDIA_HOSTS, MediaHostAllowlist } from './media-hosts';

const DEV_SECRET = 'parley-local-development-secret-change-me';

/** A list of hosts media may be fetched from (see MediaHostAllowlist), checked at start-up. */
const mediaHosts = (defaults: string) =>
  z
    .string()
    .default(defaults)
    .transform((list, ctx) => {
      try {
        return MediaHostAllowlist.parse(list);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

/**
 * Which proxies' X-Forwarded-For to believe: a hop count, or the proxies' addresses (IPs, CIDRs,
 * or proxy-addr's names for CIDR sets). Never "any client", which would let anyone choose the IP
 * the blacklist and the budgets see.
 */
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An IPv4/IPv6 address, or one with a prefix length (`10.0.0.0/8`, `fd00::/8`). */
export function isIpOrCidr(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !isIP(address)) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
}

/** A comma-separated list of STUN/TURN URLs (RFC 7064/7065 schemes). */
const urlList = z
  .string()
  .default('')
  .transform((list) =>
    list
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .refine(
    (urls) => urls.every((u) => /^(stun|stuns|turn|turns):[^\s,]+$/.test(u)),
    'must be stun:, stuns:, turn: or turns: URLs, comma-separated',
  );

const trustProxy = z
  .string()
  .trim()
  .default('loopback')
  .refine(
    (value) =>
      /^\d{1,2}$/.test(value) ||
      value === 'false' ||
      value.split(',').every((part) => TRUST_PROXY_NAMES.includes(part.trim()) || isIpOrCidr(part.trim())),
    "must be a hop count (e.g. 1), or the proxies' addresses as IPs/CIDRs (e.g. 10.0.0.0/8,127.0.0.1; " +
      `also ${TRUST_PROXY_NAMES.join(', ')}); "true" would believe any client's X-Forwarded-For`,
  );

const emails = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine(
    (list) => list.every((e) => /^[^\s@]+@[^\s@]+$/.test(e)),
    'must be comma-separated email addresses',
  );

/** A switch: exactly true, false, 1 or 0 (a typo must not silently turn a protection off). */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { errorMap: () => ({ message: 'must be true, false, 1 or 0' }) })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** The largest CONTACT_IMPORT_MAX_BYTES may be (an upload is held in memory while it is read). */
export const CONTACT_IMPORT_MAX_BYTES_CEILING = 64 * 1024 * 1024;

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/parley'),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'must be 1-64 characters of A-Za-z0-9_:.-')
      .default('parley:'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    ACCESS_TOKEN_TTL: z.coerce.number().int().min(30).max(86400).default(900),
    REFRESH_TOKEN_TTL: z.coerce
      .number()
      .int()
      .min(300)
      .default(30 * 24 * 3600),
    PUBLIC_URL: url(['http:', 'https:']).default('http://127.0.0.1:3001'),
    API_PORT: port(3000),
    INGEST_PORT: port(3001),
    WORKER_PORT: port(3002),
    TELEGRAM_API_ROOT: url(['http:', 'https:']).default('https://api.telegram.org'),
    INSTAGRAM_API_URL: url(['http:', 'https:']).default('https://graph.facebook.com/v21.0'),
    INSTAGRAM_APP_SECRET: z.string().optional(),
    INSTAGRAM_VERIFY_TOKEN: z.string().optional(),
    DIVAR_API_URL: url(['http:', 'https:']).default('https://open-api.divar.ir'),
    DIVAR_OAUTH_URL: url(['http:', 'https:']).default('https://oauth.divar.ir'),
    /** Where Divar's two-step media upload sends the file (the second step). */
    DIVAR_UPLOAD_URL: url(['http:', 'https:']).default('https://chat.divar.ir'),
    /** The api's public base: Divar's OAuth returns the business owner's browser to API_PUBLIC_URL/oauth/divar/callback. */
    API_PUBLIC_URL: url(['http:', 'https:']).optional(),
    /** Where the add-on session page returns the customer to Divar; a completion_url Divar sends is used only on this origin. */
    DIVAR_COMPLETION_URL: url(['https:', 'http:']).default(
      'https://open-platform-redirect.divar.ir/completion',
    ),
    /** How long an add-on session page's link stays valid. */
    DIVAR_SESSION_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
    /** How often the worker erases messages older than their channel's retention period. */
    RETENTION_SCAN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(3600),
    /** Hosts Divar's attachment links may point at (same syntax as INSTAGRAM_MEDIA_HOSTS); nothing else is fetched. */
    DIVAR_MEDIA_HOSTS: mediaHosts(DEFAULT_DIVAR_MEDIA_HOSTS),
    /** Divar's published event source addresses (IPs/CIDRs, comma-separated); empty: not checked. */
    DIVAR_SOURCE_IPS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .refine((list) => list.every(isIpOrCidr), 'must be comma-separated IPs or CIDRs'),
    /** How far ahead of its expiry an OAuth access token (Divar's) is refreshed, and how often the worker looks. */
    OAUTH_REFRESH_BEFORE_SECONDS: z.coerce.number().int().min(10).max(86400).default(600),
    OAUTH_REFRESH_SCAN_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    /** How often the worker looks for SLA warnings and breaches that have come due. */
    SLA_SCAN_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** After a CSAT score, how long the customer's next text is taken as the score's comment (and the widget's box stays open). */
    CSAT_COMMENT_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
    /** OAuth apps installed here: their access tokens' life, their refresh tokens', an authorization code's. */
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
    OAUTH_REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(3600).max(31536000).default(7776000),
    OAUTH_CODE_TTL_SECONDS: z.coerce.number().int().min(10).max(600).default(60),
    INSTAGRAM_MEDIA_HOSTS: mediaHosts(DEFAULT_INSTAGRAM_MEDIA_HOSTS),
    MEDIA_DIR: z.string().min(1).default('./data/media'),
    MEDIA_LINK_TTL_SECONDS: z.coerce.number().int().min(5).max(86400).default(300),
    MEDIA_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(600000).default(30000),
    /** Debian's ffmpeg (apt install ffmpeg), found on PATH unless named here; converts voice notes. */
    FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
    TRANSCODE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600000).default(60000),
    DASHBOARD_DIR: z.string().min(1).default('./dist/dashboard'),
    PRESENCE_TTL_SECONDS: z.coerce.number().int().min(2).max(600).default(30),
    WS_PING_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
    RETRY_BASE_MS: z.coerce.number().int().min(10).max(60000).default(1000),
    JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600000).default(30000),
    SWEEP_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    ENABLE_SPAM_DETECTION: flag(true),
    ENABLE_RATE_LIMITING: flag(true),
    MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(20),
    API_KEY_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(60),
    MAX_SOCKETS_PER_AGENT: z.coerce.number().int().min(1).max(1000).default(5),
    AUTH_FAILURES_BEFORE_BLOCK: z.coerce.number().int().min(1).max(1000).default(5),
    AUTH_FAILURE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    IP_BLOCK_HOURS: z.coerce.number().min(0.01).max(720).default(24),
    TRUST_PROXY: trustProxy,
    OPERATOR_EMAILS: emails,
    BIND_HOST: z.string().trim().min(1).optional(),
    AUTH_REQUESTS_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).max(100000).default(30),
    WEBHOOK_REFUSALS_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).max(1000000).default(120),
    /** The web chat widget: messages a minute one visitor may send (REST and socket together). */
    WIDGET_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(20),
    /** Widget requests (config, sessions, messages, uploads, contact details) a minute from one IP. */
    WIDGET_REQUESTS_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).max(1000000).default(300),
    /** Open visitor sockets one IP may hold (a household or office shares one). */
    WIDGET_SOCKETS_PER_IP: z.coerce.number().int().min(1).max(100000).default(30),
    /** Contact imports: the largest file (bytes) and the most entries one file may carry. */
    CONTACT_IMPORT_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(CONTACT_IMPORT_MAX_BYTES_CEILING)
      .default(20 * 1024 * 1024),
    CONTACT_IMPORT_MAX_ENTRIES: z.coerce.number().int().min(1).max(1000000).default(50000),
    /** How long a merge of two contacts can be undone. */
    CONTACT_MERGE_UNDO_SECONDS: z.coerce.number().int().min(10).max(604800).default(3600),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    WORKER_NICE: z.coerce.number().int().min(0).max(19).default(5),
    /** Outgoing webhooks may reach private, loopback and link-local addresses (a lab, the tests). */
    WEBHOOK_ALLOW_PRIVATE: flag(false),
    /** Hosts (names or IPs, comma-separated) webhooks may reach even when they resolve to private addresses. */
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((list) =>
        list
          .split(',')
          .map((h) =>
            h
              .trim()
              .toLowerCase()
              .replace(/^\[|\]$/g, ''),
          )
          .filter(Boolean),
      ),
    /** Plain http:// webhook URLs in production (always allowed outside it). */
    WEBHOOK_ALLOW_HTTP: flag(false),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3600000).default(10000),
    WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86400000).default(3600000),
    /** How long one delivery is retried before it is given up. */
    WEBHOOK_RETRY_HOURS: z.coerce.number().min(0.001).max(720).default(25),
    /** A subscription is paused after this many failed attempts in a row... */
    WEBHOOK_PAUSE_AFTER_FAILURES: z.coerce.number().int().min(1).max(100000).default(20),
    /** ...once it has been failing (no success) for at least this long. */
    WEBHOOK_PAUSE_AFTER_HOURS: z.coerce.number().min(0).max(720).default(24),
    WEBHOOK_LOG_DAYS: z.coerce.number().min(0.001).max(90).default(7),
    WEBHOOK_POLL_MS: z.coerce.number().int().min(20).max(60000).default(500),
    /** Plain http:// app action and card URLs on any host (outside production: always on localhost and 127.0.0.1). */
    APP_ACTIONS_ALLOW_HTTP: flag(false),
    /**
     * Routing: an agent whose last socket closed keeps their conversations this long, so a page
     * reload or a dropped connection does not reshuffle them (choosing "away" hands them on at once).
     */
    ROUTING_OFFLINE_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
    /** Calls: how long a call rings before it is missed. */
    CALL_RING_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
    /** How often each api instance looks for calls that rang out (and for stale active ones). */
    CALL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(60000).default(1000),
    /** An active call nobody hung up (both browsers gone) is ended after this long. */
    CALL_MAX_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(240),
    /** STUN servers handed to browsers (`stun:host:port`, comma-separated). */
    STUN_URLS: urlList,
    /** TURN servers (`turn:host:3478?transport=udp`, `turns:…`, comma-separated); they need TURN_SECRET. */
    TURN_URLS: urlList,
    /** coturn's `static-auth-secret`: TURN credentials are minted from it (TURN REST API). */
    TURN_SECRET: z.string().min(16).optional(),
    TURN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
    /** How long a call link sent to a customer stays usable. */
    CALL_LINK_TTL_HOURS: z.coerce
      .number()
      .min(0.01)
      .max(24 * 30)
      .default(24),
    /** Calls placed from call link pages: per client address, and per link, each per minute. */
    CALL_LINK_STARTS_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).max(100000).default(20),
    CALL_LINK_STARTS_PER_MINUTE_PER_LINK: z.coerce.number().int().min(1).max(100000).default(6),
  })
  .superRefine((env, ctx) => {
    if (env.TURN_URLS.length && !env.TURN_SECRET)
      ctx.addIssue({ code: 'custom', path: ['TURN_SECRET'], message: 'is required when TURN_URLS is set' });
    if (env.NODE_ENV !== 'production') {
      // The development secret is public: a process using it listens on this machine only.
      const bind = bindHostOf(env);
      if (!env.JWT_SECRET && !isLoopback(bind)) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: `is required to listen on ${bind} (without it Parley uses a public development secret)`,
        });
      }
      return;
    }
    for (const key of ['JWT_SECRET', 'ENCRYPTION_KEY'] as const) {
      if (!env[key])
        ctx.addIssue({ code: 'custom', path: [key], message: 'is required when NODE_ENV=production' });
    }
  });

export type AppConfig = ReturnType<typeof toConfig>;

/** Outside production Parley listens on loopback unless BIND_HOST says otherwise. */
function bindHostOf(env: { NODE_ENV: string; BIND_HOST?: string }): string {
  return env.BIND_HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
}

const isLoopback = (host: string) => /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);

function toConfig(env: z.infer<typeof schema>) {
  return {
    env: env.NODE_ENV,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    jwt: {
      secret: env.JWT_SECRET ?? DEV_SECRET,
      issuer: 'parley',
      audience: 'parley-agents',
      accessTtlSeconds: env.ACCESS_TOKEN_TTL,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL,
    },
    encryptionKey: env.ENCRYPTION_KEY ?? `${DEV_SECRET}:credentials`,
    publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''),
    ports: { api: env.API_PORT, ingest: env.INGEST_PORT, worker: env.WORKER_PORT },
    bindHost: bindHostOf(env),
    telegramApiRoot: env.TELEGRAM_API_ROOT,
    instagram: {
      apiUrl: env.INSTAGRAM_API_URL,
      appSecret: env.INSTAGRAM_APP_SECRET,
      verifyToken: env.INSTAGRAM_VERIFY_TOKEN,
      mediaHosts: env.INSTAGRAM_MEDIA_HOSTS,
    },
    divar: {
      apiUrl: env.DIVAR_API_URL.replace(/\/+$/, ''),
      oauthUrl: env.DIVAR_OAUTH_URL.replace(/\/+$/, ''),
      uploadUrl: env.DIVAR_UPLOAD_URL.replace(/\/+$/, ''),
      mediaHosts: env.DIVAR_MEDIA_HOSTS,
      sourceIps: env.DIVAR_SOURCE_IPS,
    },
    oauth: {
      refreshBeforeSeconds: env.OAUTH_REFRESH_BEFORE_SECONDS,
      refreshScanSeconds: env.OAUTH_REFRESH_SCAN_SECONDS,
    },
    sla: { scanSeconds: env.SLA_SCAN_SECONDS },
    csat: { commentWindowMinutes: env.CSAT_COMMENT_WINDOW_MINUTES },
    oauthApps: {
      accessTtlSeconds: env.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: env.OAUTH_REFRESH_TOKEN_TTL_SECONDS,
      codeTtlSeconds: env.OAUTH_CODE_TTL_SECONDS,
    },
    apiPublicUrl: (env.API_PUBLIC_URL ?? `http://127.0.0.1:${env.API_PORT}`).replace(/\/+$/, ''),
    divarSession: {
      completionUrl: env.DIVAR_COMPLETION_URL,
      ttlSeconds: env.DIVAR_SESSION_TTL_SECONDS,
    },
    retention: { scanIntervalSeconds: env.RETENTION_SCAN_INTERVAL_SECONDS },
    mediaDir: resolve(env.MEDIA_DIR),
    media: {
      linkTtlSeconds: env.MEDIA_LINK_TTL_SECONDS,
      fetchTimeoutMs: env.MEDIA_FETCH_TIMEOUT_MS,
      ffmpegPath: env.FFMPEG_PATH,
      transcodeTimeoutMs: env.TRANSCODE_TIMEOUT_MS,
    },
    dashboardDir: resolve(env.DASHBOARD_DIR),
    logLevel: env.LOG_LEVEL,
    /** The worker's CPU priority (nice), below the apps that answer platforms and agents. */
    workerNice: env.WORKER_NICE,
    security: {
      /** Defaults of the workspaces' `spam_detection` and `rate_limiting` policy switches. */
      spamDetection: env.ENABLE_SPAM_DETECTION,
      rateLimiting: env.ENABLE_RATE_LIMITING,
      messagesPerMinute: env.MESSAGES_PER_MINUTE,
      /** Each API key's own budget of messages a minute, apart from any agent's. */
      apiKeyMessagesPerMinute: env.API_KEY_MESSAGES_PER_MINUTE,
      maxSocketsPerAgent: env.MAX_SOCKETS_PER_AGENT,
      authFailuresBeforeBlock: env.AUTH_FAILURES_BEFORE_BLOCK,
      authFailureWindowMinutes: env.AUTH_FAILURE_WINDOW_MINUTES,
      ipBlockHours: env.IP_BLOCK_HOURS,
      trustProxy: env.TRUST_PROXY,
      /** Accounts that see and lift instance-wide security state; empty: the instance's first account. */
      operatorEmails: env.OPERATOR_EMAILS,
      authRequestsPerMinutePerIp: env.AUTH_REQUESTS_PER_MINUTE_PER_IP,
      webhookRefusalsPerMinutePerIp: env.WEBHOOK_REFUSALS_PER_MINUTE_PER_IP,
    },
    widget: {
      messagesPerMinute: env.WIDGET_MESSAGES_PER_MINUTE,
      requestsPerMinutePerIp: env.WIDGET_REQUESTS_PER_MINUTE_PER_IP,
      socketsPerIp: env.WIDGET_SOCKETS_PER_IP,
    },
    jobs: {
      retryBaseMs: env.RETRY_BASE_MS,
      lockMs: env.JOB_LOCK_MS,
      sweepAfterSeconds: env.SWEEP_AFTER_SECONDS,
    },
    webhooks: {
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
      allowHttp: env.WEBHOOK_ALLOW_HTTP || env.NODE_ENV !== 'production',
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
      retryHours: env.WEBHOOK_RETRY_HOURS,
      pauseAfterFailures: env.WEBHOOK_PAUSE_AFTER_FAILURES,
      pauseAfterHours: env.WEBHOOK_PAUSE_AFTER_HOURS,
      logDays: env.WEBHOOK_LOG_DAYS,
      pollMs: env.WEBHOOK_POLL_MS,
    },
    appActions: {
      /** http:// on any host; the dashboard may then frame any http page. */
      allowHttp: env.APP_ACTIONS_ALLOW_HTTP,
      /** http:// on localhost and 127.0.0.1 (an app being developed on the agent's own machine). */
      allowLoopbackHttp: env.NODE_ENV !== 'production',
    },
    routing: {
      offlineGraceSeconds: env.ROUTING_OFFLINE_GRACE_SECONDS,
    },
    calls: {
      ringTimeoutSeconds: env.CALL_RING_TIMEOUT_SECONDS,
      sweepIntervalMs: env.CALL_SWEEP_INTERVAL_MS,
      maxMinutes: env.CALL_MAX_MINUTES,
      stunUrls: env.STUN_URLS,
      turnUrls: env.TURN_URLS,
      turnSecret: env.TURN_SECRET ?? null,
      turnTtlSeconds: env.TURN_TTL_SECONDS,
      linkTtlHours: env.CALL_LINK_TTL_HOURS,
      linkStartsPerMinutePerIp: env.CALL_LINK_STARTS_PER_MINUTE_PER_IP,
      linkStartsPerMinutePerLink: env.CALL_LINK_STARTS_PER_MINUTE_PER_LINK,
    },
    contacts: {
      importMaxBytes: env.CONTACT_IMPORT_MAX_BYTES,
      importMaxEntries: env.CONTACT_IMPORT_MAX_ENTRIES,
      mergeUndoSeconds: env.CONTACT_MERGE_UNDO_SECONDS,
    },
    realtime: {
      presenceTtlSeconds: env.PRESENCE_TTL_SECONDS,
      pingIntervalSeconds: env.WS_PING_INTERVAL_SECONDS,
    },
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/**
 * Reads the environment (a `.env` file may fill gaps; a variable set in the environment wins)
 * and returns the typed config, or throws a ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): AppConfig {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') merged[key] = value;

  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  return toConfig(parsed.data);
}

export const CONFIG = Symbol('CONFIG');
