import { EventLog, EventReader } from '@parley/domain/events/event-log';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { freshEnvironment, startApi, startWorker, TestApp, TestEnvironment } from './support/app';
import { createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

/** A reader that records what it got, and can be told to fail or to hold a batch. */
class Recorder implements EventReader {
  idleIn?: (workspaceId: string) => Promise<boolean>;
  readonly seen = new Map<string, number[]>();
  failuresLeft = new Map<string, number>();
  /** Holds the first batch it gets (whichever workspace) until released. */
  hold: { until: Promise<void>; entered: (workspaceId: string) => void } | null = null;

  constructor(readonly name: string) {}

  async handle(workspaceId: string, events: PublishedEvent[]): Promise<void> {
    const left = this.failuresLeft.get(workspaceId) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(workspaceId, left - 1);
      throw new Error(`refused on purpose (${left} more)`);
    }
    if (this.hold) {
      const { until, entered } = this.hold;
      this.hold = null;
      entered(workspaceId);
      await until;
    }
    this.seen.set(workspaceId, [...(this.seen.get(workspaceId) ?? []), ...events.map((e) => e.seq)]);
  }
}

const seqsOf = async (api: TestApp, workspaceId: string): Promise<number[]> =>
  (
    await api.db.query('SELECT seq::int AS seq FROM event WHERE workspace_id = $1 ORDER BY seq', [
      workspaceId,
    ])
  ).map((r: { seq: number }) => r.seq);

/** The event log: every reader keeps its own cursor per workspace, retries on its own, and shows its lag. */
describe('event log readers', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let other: TestApp;
  let a: Workspace;
  let b: Workspace;
  let channelA: string;
  let channelB: string;

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    // A second process on the same database: readers share the workspaces with it.
    other = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelA = (await createChannel(api, a.workspaceId)).id;
    channelB = (await createChannel(api, b.workspaceId)).id;
  });
  afterAll(async () => {
    await other.close();
    await api.close();
    await environment.close();
  });

  const writes = (workspace: Workspace, channel: string, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        customerWrites(api, workspace.workspaceId, channel, { userId: `c${i % 3}`, text: `hello ${i}` }),
      ),
    );

  it('each reader gets every event of each workspace once, in seq order, with a cursor of its own', async () => {
    const first = new Recorder('test-first');
    const second = new Recorder('test-second');
    api.get(EventLog).register(first);
    other.get(EventLog).register(second);
    await writes(a, channelA, 12);
    await writes(b, channelB, 7);
    for (const recorder of [first, second]) {
      await eventually(async () => {
        expect(recorder.seen.get(a.workspaceId)).toEqual(await seqsOf(api, a.workspaceId));
        expect(recorder.seen.get(b.workspaceId)).toEqual(await seqsOf(api, b.workspaceId));
      }, 10000);
    }
    // Each cursor moves in the transaction after its reader handled the batch.
    await eventually(async () => {
      const cursors = await api.db.query(
        `SELECT reader, workspace_id, seq::int AS seq FROM event_reader_cursor WHERE reader LIKE 'test-%' ORDER BY reader`,
      );
      expect(cursors).toHaveLength(4);
      for (const cursor of cursors) {
        const seqs = await seqsOf(api, cursor.workspace_id);
        expect(cursor.seq).toBe(seqs[seqs.length - 1]);
      }
    });
  });

  it('a failing reader retries with backoff on its own: other readers and other workspaces go on', async () => {
    const flaky = new Recorder('test-flaky');
    const steady = new Recorder('test-steady');
    flaky.failuresLeft.set(a.workspaceId, 2);
    api.get(EventLog).register(flaky);
    api.get(EventLog).register(steady);
    await eventually(async () => {
      expect(steady.seen.get(a.workspaceId)).toEqual(await seqsOf(api, a.workspaceId));
      expect(flaky.seen.get(b.workspaceId)).toEqual(await seqsOf(api, b.workspaceId));
    }, 10000);
    // The flaky reader's cursor in A records the trouble while it lasts...
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT attempts, last_error, retry_at FROM event_reader_cursor WHERE reader = 'test-flaky' AND workspace_id = $1`,
        [a.workspaceId],
      );
      expect(row?.last_error).toMatch(/refused on purpose/);
    });
    // ...and catches up once its backoff (1 s, then 2 s) has passed.
    await eventually(
      async () => expect(flaky.seen.get(a.workspaceId)).toEqual(await seqsOf(api, a.workspaceId)),
      15000,
    );
    // The reader has handled the batch; its cursor (and the cleared trouble) commits right after.
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT attempts, last_error FROM event_reader_cursor WHERE reader = 'test-flaky' AND workspace_id = $1`,
        [a.workspaceId],
      );
      expect(row).toEqual({ attempts: 0, last_error: null });
    });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_event_reader_failures_total\{reader="test-flaky"\} 2/);
  }, 30000);

  it('a reader idle in a workspace is handed none of its events, its cursor follows the newest seq, and it reads again once it is not', async () => {
    const idle = new Recorder('test-idle');
    let idleIn = a.workspaceId;
    idle.idleIn = async (workspaceId: string) => workspaceId === idleIn;
    api.get(EventLog).register(idle);
    await writes(a, channelA, 3);
    await writes(b, channelB, 2);
    await eventually(async () => {
      expect(idle.seen.get(b.workspaceId)).toEqual(await seqsOf(api, b.workspaceId));
      const [cursor] = await api.db.query(
        `SELECT seq::int AS seq FROM event_reader_cursor WHERE reader = 'test-idle' AND workspace_id = $1`,
        [a.workspaceId],
      );
      const seqs = await seqsOf(api, a.workspaceId);
      expect(cursor?.seq).toBe(seqs[seqs.length - 1]);
    }, 10000);
    expect(idle.seen.get(a.workspaceId)).toBeUndefined();
    // No longer idle: it gets what comes next, and nothing from before.
    const before = await seqsOf(api, a.workspaceId);
    idleIn = '';
    await writes(a, channelA, 2);
    await eventually(async () => {
      const after = (await seqsOf(api, a.workspaceId)).filter((seq) => seq > before[before.length - 1]);
      expect(after.length).toBeGreaterThan(0);
      expect(idle.seen.get(a.workspaceId)).toEqual(after);
    }, 10000);
  });

  it('relays on two processes share the workspaces: one workspace held up does not hold up another', async () => {
    const onApi = new Recorder('test-shared');
    const onOther = new Recorder('test-shared');
    let release!: () => void;
    let entered!: (workspaceId: string) => void;
    const holding = new Promise<string>((resolve) => (entered = resolve));
    onApi.hold = { until: new Promise((resolve) => (release = resolve)), entered };
    api.get(EventLog).register(onApi);
    const held = await holding; // the api process holds one workspace's batch
    const free = held === a.workspaceId ? b.workspaceId : a.workspaceId;
    other.get(EventLog).register(onOther);
    // Meanwhile the other workspace is handled by the other process, and the held one by nobody else.
    await eventually(async () => expect(onOther.seen.get(free)).toEqual(await seqsOf(api, free)));
    expect(onOther.seen.get(held)).toBeUndefined();
    release();
    await eventually(async () => {
      const seqs = [...(onApi.seen.get(held) ?? []), ...(onOther.seen.get(held) ?? [])];
      expect(seqs).toEqual(await seqsOf(api, held));
    });
  });

  it('shows each reader’s lag on /metrics and to the workspace’s admins, and nothing of other workspaces', async () => {
    const stalled = new Recorder('test-stalled');
    stalled.failuresLeft.set(a.workspaceId, 1000);
    api.get(EventLog).register(stalled);
    await writes(a, channelA, 3);
    const behind = (await seqsOf(api, a.workspaceId)).length;
    await eventually(async () => {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      expect(text).toContain(`parley_event_reader_lag_events{reader="test-stalled"} ${behind}`);
      expect(text).toMatch(/parley_event_reader_lag_seconds\{reader="test-stalled"\} [1-9]/);
      expect(text).toContain('parley_event_reader_lag_events{reader="realtime"} 0');
    }, 10000);
    const lag = await a.http.get('/api/v1/admin/event-readers');
    expect(lag.status).toBe(200);
    expect(lag.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reader: 'realtime', behind: 0, last_error: null }),
        expect.objectContaining({
          reader: 'test-stalled',
          behind,
          oldest_pending_at: expect.any(String),
          attempts: expect.any(Number),
          last_error: expect.stringMatching(/refused on purpose/),
        }),
      ]),
    );
    // Workspace B's admins see only B's figures (where nothing stalled).
    const lagB = await b.http.get('/api/v1/admin/event-readers');
    expect(lagB.body.find((r: { reader: string }) => r.reader === 'test-stalled')).toMatchObject({
      behind: 0,
    });
    const agent = new HttpClient(api.url);
    expect((await agent.get('/api/v1/admin/event-readers')).status).toBe(401);
  }, 20000);
});
