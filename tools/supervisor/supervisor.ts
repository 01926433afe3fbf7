import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Program {
  name: string;
  /** A Node.js script, run with this Node.js. */
  script: string;
}

export interface SupervisorOptions {
  /** First restart delay; it doubles with each crash in a row, up to `restartMaxMs`. */
  restartBaseMs: number;
  restartMaxMs: number;
  /** A process that ran this long before crashing starts again from `restartBaseMs`. */
  stableAfterMs: number;
  /** After a stop signal, what is still running this much later is killed. */
  stopTimeoutMs: number;
  colors: boolean;
  log: (line: string) => void;
}

interface Slot {
  program: Program;
  color: string;
  child: ChildProcess | null;
  startedAt: number;
  crashesInARow: number;
  restart: NodeJS.Timeout | null;
  /** The last line it wrote to stderr that is not a stack frame: often why it died. */
  lastWords: string;
}

const COLORS = ['\x1b[34m', '\x1b[32m', '\x1b[35m', '\x1b[36m', '\x1b[33m'];

/**
 * Runs programs side by side, prefixing their output with their names. One that exits on its
 * own is restarted after a delay that doubles with each crash in a row (capped), while the others
 * keep running; a stop (SIGINT, SIGTERM) is passed on as SIGTERM to every program, waited for,
 * and never answered by a restart.
 */
export class Supervisor {
  private readonly slots: Slot[];
  private stopping: Promise<void> | null = null;
  private allExited: () => void = () => undefined;

  constructor(
    programs: Program[],
    private readonly options: SupervisorOptions,
  ) {
    this.slots = programs.map((program, index) => ({
      program,
      color: COLORS[index % COLORS.length],
      child: null,
      startedAt: 0,
      crashesInARow: 0,
      restart: null,
      lastWords: '',
    }));
  }

  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Passes SIGTERM to every program and resolves once all of them have exited. */
  stop(reason: string): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = new Promise<void>((resolve) => (this.allExited = resolve));
    for (const slot of this.slots) {
      if (slot.restart) clearTimeout(slot.restart);
      slot.restart = null;
    }
    const running = this.slots.filter((slot) => slot.child);
    this.options.log(
      `${reason}: stopping ${running.map((s) => s.program.name).join(', ') || 'nothing (none running)'}`,
    );
    for (const slot of running) slot.child!.kill('SIGTERM');
    const overdue = setTimeout(() => {
      for (const slot of this.slots.filter((s) => s.child)) {
        this.options.log(
          `${slot.program.name} still running after ${this.options.stopTimeoutMs / 1000} s: killing it`,
        );
        slot.child!.kill('SIGKILL');
      }
    }, this.options.stopTimeoutMs);
    overdue.unref();
    this.settleIfDone();
    return this.stopping;
  }

  private spawn(slot: Slot): void {
    slot.restart = null;
    slot.lastWords = '';
    const child = spawn(process.execPath, [slot.program.script], { stdio: ['ignore', 'pipe', 'pipe'] });
    slot.child = child;
    slot.startedAt = Date.now();
    this.pipe(slot, child.stdout!, process.stdout, false);
    this.pipe(slot, child.stderr!, process.stderr, true);
    child.once('spawn', () => this.options.log(`${slot.program.name} started (pid ${child.pid})`));
    // 'close' comes after the last output, so the crash line can quote it.
    child.once('close', (code, signal) => this.exited(slot, child, code, signal));
    child.once('error', (error) => {
      // Could not be started at all: treated as a crash, so it is retried with backoff.
      slot.lastWords = error.message;
      if (child.pid === undefined) this.exited(slot, child, null, null);
    });
  }

  private pipe(slot: Slot, from: NodeJS.ReadableStream, to: NodeJS.WritableStream, isStderr: boolean): void {
    const prefix = this.options.colors
      ? `${slot.color}[${slot.program.name}]\x1b[0m `
      : `[${slot.program.name}] `;
    createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
      to.write(`${prefix}${line}\n`);
      if (isStderr && line.trim() && !/^\s+at /.test(line)) slot.lastWords = line.trim();
    });
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = null;
    const how = signal ? `killed by ${signal}` : code === null ? 'could not start' : `exit code ${code}`;
    if (this.stopping) {
      this.options.log(`${slot.program.name} stopped (${how})`);
      this.settleIfDone();
      return;
    }
    const ranMs = Date.now() - slot.startedAt;
    if (ranMs >= this.options.stableAfterMs) slot.crashesInARow = 0;
    const delay = Math.min(this.options.restartMaxMs, this.options.restartBaseMs * 2 ** slot.crashesInARow);
    slot.crashesInARow += 1;
    const words = slot.lastWords ? `; its last words: ${slot.lastWords}` : '';
    this.options.log(
      `${slot.program.name} crashed (${how}) after ${(ranMs / 1000).toFixed(1)} s${words}; ` +
        `restarting in ${delay / 1000} s (crash ${slot.crashesInARow} in a row)`,
    );
    slot.restart = setTimeout(() => this.spawn(slot), delay);
  }

  private settleIfDone(): void {
    if (this.stopping && this.slots.every((slot) => slot.child === null)) this.allExited();
  }
}
