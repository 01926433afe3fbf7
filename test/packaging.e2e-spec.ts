import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

/** The Dockerfile, `npm test`/`npm start` and any CI install with `npm ci`: the lockfile must take it. */
describe('packaging', () => {
  it('npm ci accepts the lockfile as it is (package.json and package-lock.json agree)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-npm-ci-'));
    try {
      for (const file of ['package.json', 'package-lock.json'])
        copyFileSync(join(ROOT, file), join(dir, file));
      const { stdout } = await run(
        'npm',
        ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'],
        {
          cwd: dir,
        },
      );
      expect(stdout).toMatch(/added \d+ packages/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  it.each([
    ['docker/Dockerfile', /npm ci\b/],
    ['scripts/setup.sh', /npm ci\b/],
  ])('%s installs with npm ci', (file, pattern) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(pattern);
  });
});
