import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';
import { Metrics } from '@parley/runtime/metrics';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { PUBLISHED_EVENT_COLUMNS } from '../services/event.service';
import type { PublishedEvent } from './domain-event';

/**
 * One reader of the event log: socket fan-out today; outgoing webhooks, bots, reports and calls
 * next. It gets each workspace's events in seq order, a batch at a time, at least once (a batch
 * whose cursor did not commit comes again, so a handler must tolerate repeats), and never two
 * batches of one workspace at once, on any process.
 */
export interface EventReader {
  /** Stable: the cursors are stored under it. */
  readonly name: string;
  /** Handles one workspace's events (oldest first); throw to have the batch retried with backoff. */
  handle(workspaceId: string, events: PublishedEvent[]): Promise<void>;
  /**
   * Optional: whether nothing the workspace writes can concern this reader now (the webhooks
   * reader, in a workspace with no active subscription). Then the cursor moves to the workspace's
   * newest committed seq, read before asking, without reading the events: a reader with nothing to
   * do costs a storm no event reads.
   */
  idleIn?(workspaceId: string, db: QueryRunner): Promise<boolean>;
}

/** One reader's position and health in one workspace, as an admin may see it. */
export interface ReaderLag {
  reader: string;
  behind: number;
  oldest_pending_at: string | null;
  attempts: number;
  last_error: string | null;
  retry_at: string | null;
}

const BATCH = 500;
const POLL_MS = 1000;
/** Workspaces looked at per pass; the busiest first. */
const WORKSPACES_PER_PASS = 200;
const MAX_BACKOFF_MS = 5 * 60_000;
/**
 * A reader found idle in a workspace is asked again only after this long: in a storm every commit
 * kicks every reader, and an idle one would otherwise spend a transaction per kick finding out again.
 * Its cursor stays where it was meanwhile, so nothing that comes in between is skipped unasked.
 */
const IDLE_RECHECK_MS = 1000;

interface Running {
  reader: EventReader;
  pass: Promise<void> | null;
  again: boolean;
}

/**
 * Runs every registered reader over the `event` table with a cursor per (reader, workspace):
 * readers never wait for one another, a failing one retries with backoff on its own, and a
 * workspace's batch is claimed with an advisory lock, so relays on several processes share the
 * workspaces instead of queueing behind one global lock. Kicked after every commit in this
 * process and polling for events other processes wrote.
 */
@Injectable()
export class EventLog implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventLog.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly readers = new Map<string, Running>();
  private readonly ownRunners = new Set<QueryRunner>();
  /** `<reader>:<workspace>` → until when that reader is known idle there. */
  private readonly idleUntil = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly handled: Counter<'reader'>;
  private readonly failures: Counter<'reader'>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    metrics: Metrics,
  ) {
    this.handled = new Counter({
      name: 'parley_event_reader_events_total',
      help: 'Events a reader handled in this process',
      labelNames: ['reader'],
      registers: [metrics.registry],
    });
    this.failures = new Counter({
      name: 'parley_event_reader_failures_total',
      help: 'Batches a reader failed in this process (each retried with backoff)',
      labelNames: ['reader'],
      registers: [metrics.registry],
    });
    const lagByReader = () => this.lagByReader().catch((): LagRow[] => []);
    const lag = (name: string, help: string, pick: (row: LagRow) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['reader'],
        registers: [metrics.registry],
        async collect() {
          this.reset();
          for (const row of await lagByReader()) this.set({ reader: row.reader }, pick(row));
        },
      });
    lag(
      'parley_event_reader_lag_events',
      'Events written but not yet handled by the reader, all workspaces',
      (r) => Number(r.behind),
    );
    lag(
      'parley_event_reader_lag_seconds',
      'Age of the oldest event the reader has not handled yet (0 when caught up)',
      (r) => Number(r.age_seconds),
    );
  }

  /** Adds a reader; it starts at each workspace's first event it has no cursor for. */
  register(reader: EventReader): void {
    if (this.readers.has(reader.name)) throw new Error(`event reader ${reader.name} registered twice`);
    this.readers.set(reader.name, { reader, pass: null, again: false });
    this.kick();
  }

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        if (!this.ownRunners.has(event.queryRunner)) this.kick();
      },
    };
    this.db.subscribers.push(subscriber);
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  /** Runs a pass of every reader now (or once more right after the pass in flight). */
  kick(): void {
    if (this.stopped) return;
    for (const running of this.readers.values()) {
      if (running.pass) {
        running.again = true;
        continue;
      }
      running.pass = this.drain(running).finally(() => {
        running.pass = null;
      });
    }
  }

  private async drain(running: Running): Promise<void> {
    try {
      do {
        running.again = false;
        const behind = await this.workspacesBehind(running.reader.name);
        for (const workspaceId of behind) {
          if (this.stopped) return;
          // A full batch may leave more behind it; a busy or failing workspace is left for later.
          if ((await this.readBatch(running.reader, workspaceId)) === BATCH) running.again = true;
        }
      } while (running.again && !this.stopped);
    } catch (error) {
      this.warnings.warn(
        `drain:${running.reader.name}`,
        `event reader ${running.reader.name}: ${(error as Error).message}; retrying on the next poll`,
      );
    }
  }

  /** Workspaces with events past this reader's cursor whose retry time has come, busiest first. */
  private async workspacesBehind(reader: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT w.id FROM workspace w
         LEFT JOIN event_reader_cursor c ON c.reader = $1 AND c.workspace_id = w.id
        WHERE w.last_seq > coalesce(c.seq, 0) AND (c.retry_at IS NULL OR c.retry_at <= now())
        ORDER BY w.last_seq - coalesce(c.seq, 0) DESC LIMIT $2`,
      [reader, WORKSPACES_PER_PASS],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Claims (reader, workspace), hands the next batch to the reader and moves the cursor in the
   * same transaction. Answers how many events it handled: 0 when another process holds the
   * claim, nothing was new, or the reader failed (recorded, retried after a backoff).
   */
  private async readBatch(reader: EventReader, workspaceId: string): Promise<number> {
    const idleKey = `${reader.name}:${workspaceId}`;
    if (reader.idleIn) {
      const until = this.idleUntil.get(idleKey);
      if (until !== undefined && until > Date.now()) return 0;
      this.idleUntil.delete(idleKey);
    }
    const runner = this.db.createQueryRunner();
    this.ownRunners.add(runner);
    let failure: Error | null = null;
    try {
      await runner.connect();
      await runner.startTransaction();
      const [{ claimed }] = await runner.query(
        `SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS claimed`,
        [`event-reader:${reader.name}`, workspaceId],
      );
      if (!claimed) {
        await runner.rollbackTransaction();
        return 0;
      }
      if (reader.idleIn) {
        // Read first: seqs are bumped under the workspace row's lock held to commit, so every
        // event up to this one is committed, and whatever comes later is asked about again.
        const [workspace]: { last_seq: string }[] = await runner.query(
          `SELECT last_seq FROM workspace WHERE id = $1`,
          [workspaceId],
        );
        if (workspace && (await reader.idleIn(workspaceId, runner))) {
          await runner.query(
            `INSERT INTO event_reader_cursor (reader, workspace_id, seq) VALUES ($1, $2, $3)
             ON CONFLICT (reader, workspace_id) DO UPDATE
               SET seq = greatest(event_reader_cursor.seq, excluded.seq), attempts = 0, last_error = NULL,
                   retry_at = NULL, updated_at = now()`,
            [reader.name, workspaceId, workspace.last_seq],
          );
          await runner.commitTransaction();
          this.idleUntil.set(idleKey, Date.now() + IDLE_RECHECK_MS);
          return 0;
        }
      }
      const [cursor]: { seq: string }[] = await runner.query(
        `SELECT seq FROM event_reader_cursor WHERE reader = $1 AND workspace_id = $2`,
        [reader.name, workspaceId],
      );
      const events: PublishedEvent[] = await runner.query(
        `SELECT ${PUBLISHED_EVENT_COLUMNS} FROM event WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [workspaceId, cursor?.seq ?? 0, BATCH],
      );
      if (!events.length) {
        await runner.commitTransaction();
        return 0;
      }
      try {
        await reader.handle(workspaceId, events);
      } catch (error) {
        failure = error as Error;
        await runner.rollbackTransaction();
        return 0;
      }
      await runner.query(
        `INSERT INTO event_reader_cursor (reader, workspace_id, seq) VALUES ($1, $2, $3)
         ON CONFLICT (reader, workspace_id) DO UPDATE
           SET seq = excluded.seq, attempts = 0, last_error = NULL, retry_at = NULL, updated_at = now()`,
        [reader.name, workspaceId, events[events.length - 1].seq],
      );
      await runner.commitTransaction();
      this.handled.inc({ reader: reader.name }, events.length);
      return events.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      this.ownRunners.delete(runner);
      await runner.release();
      if (failure) await this.recordFailure(reader.name, workspaceId, failure);
    }
  }

  /** A failed batch: the same events come again after a backoff that doubles (to 5 minutes). */
  private async recordFailure(reader: string, workspaceId: string, error: Error): Promise<void> {
    this.failures.inc({ reader });
    this.warnings.warn(`fail:${reader}`, `event reader ${reader} failed in a workspace: ${error.message}`);
    await this.db
      .query(
        `INSERT INTO event_reader_cursor (reader, workspace_id, attempts, last_error, retry_at)
         VALUES ($1, $2, 1, $3, now() + make_interval(secs => $4))
         ON CONFLICT (reader, workspace_id) DO UPDATE
           SET attempts = event_reader_cursor.attempts + 1, last_error = $3, updated_at = now(),
               retry_at = now() + make_interval(secs => least($5, $4 * 2 ^ event_reader_cursor.attempts))`,
        [reader, workspaceId, error.message.slice(0, 500), 1, MAX_BACKOFF_MS / 1000],
      )
      .catch(() => undefined);
  }

  /** Each reader's lag over the whole instance (for /metrics). */
  private lagByReader(): Promise<LagRow[]> {
    const names = [...this.readers.keys()];
    if (!names.length) return Promise.resolve([]);
    const behind = `FROM workspace w LEFT JOIN event_reader_cursor c ON c.reader = r.reader AND c.workspace_id = w.id`;
    return this.db.query(
      `SELECT r.reader,
              (SELECT coalesce(sum(w.last_seq - coalesce(c.seq, 0)), 0) ${behind}
                WHERE w.last_seq > coalesce(c.seq, 0)) AS behind,
              (SELECT coalesce(extract(epoch FROM now() - min(e.created_at)), 0) ${behind}
                 JOIN event e ON e.workspace_id = w.id AND e.seq = coalesce(c.seq, 0) + 1
                WHERE w.last_seq > coalesce(c.seq, 0)) AS age_seconds
         FROM unnest($1::text[]) AS r(reader)`,
      [names],
    );
  }

  /** Every registered reader's position in one workspace, for its admins. */
  async lagOf(workspaceId: string): Promise<ReaderLag[]> {
    const names = [...this.readers.keys()];
    const rows: (Omit<ReaderLag, 'behind' | 'oldest_pending_at' | 'retry_at'> & {
      behind: string;
      oldest_pending_at: Date | null;
      retry_at: Date | null;
    })[] = await this.db.query(
      `SELECT r.reader, greatest(w.last_seq - coalesce(c.seq, 0), 0) AS behind,
              e.created_at AS oldest_pending_at, coalesce(c.attempts, 0) AS attempts, c.last_error, c.retry_at
         FROM unnest($2::text[]) AS r(reader)
         JOIN workspace w ON w.id = $1
         LEFT JOIN event_reader_cursor c ON c.reader = r.reader AND c.workspace_id = w.id
         LEFT JOIN event e ON e.workspace_id = w.id AND e.seq = coalesce(c.seq, 0) + 1
        ORDER BY r.reader`,
      [workspaceId, names],
    );
    return rows.map((row) => ({
      ...row,
      behind: Number(row.behind),
      oldest_pending_at: row.oldest_pending_at?.toISOString() ?? null,
      retry_at: row.retry_at?.toISOString() ?? null,
    }));
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await Promise.all([...this.readers.values()].map((r) => r.pass));
  }
}

interface LagRow {
  reader: string;
  behind: string;
  age_seconds: string;
}
