import { Program, Supervisor } from './supervisor';

/**
 * `node dist/tools/supervisor/main.js [--restart-base-ms=N] [--restart-max-ms=N] name=script.js …`:
 * what `npm start` runs api, ingest and worker under. A crashed program is restarted with
 * backoff while the others keep serving; Ctrl-C or SIGTERM stops them all.
 */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

function main(): void {
  const log = (line: string) => process.stderr.write(`parley-supervisor: ${line}\n`);
  const flags = new Map<string, number>();
  const programs: Program[] = [];
  for (const arg of process.argv.slice(2)) {
    const flag = /^--(restart-base-ms|restart-max-ms)=(\d+)$/.exec(arg);
    const program = /^([a-z][a-z0-9-]*)=(.+)$/.exec(arg);
    if (flag) flags.set(flag[1], Number(flag[2]));
    else if (program) programs.push({ name: program[1], script: program[2] });
    else {
      log(
        `cannot read the argument "${arg}"; expected name=script.js or --restart-base-ms=N / --restart-max-ms=N`,
      );
      process.exit(2);
    }
  }
  if (!programs.length) {
    log('nothing to run: give name=script.js arguments');
    process.exit(2);
  }

  const supervisor = new Supervisor(programs, {
    restartBaseMs: flags.get('restart-base-ms') ?? 1000,
    restartMaxMs: flags.get('restart-max-ms') ?? 30_000,
    stableAfterMs: 60_000,
    // The apps give themselves 10 s to drain.
    stopTimeoutMs: 15_000,
    colors: Boolean(process.stdout.isTTY),
    log,
  });
  for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
    // Every signal after the first finds the stop under way (Ctrl-C brings SIGINT from the
    // terminal, then SIGTERM from start.sh): one drain, and the exit code of the first.
    process.on(signal, () => void supervisor.stop(signal).then(() => process.exit(SIGNAL_EXIT[signal])));
  }
  supervisor.start();
}

main();
