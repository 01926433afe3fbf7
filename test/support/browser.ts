import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { freshEnvironment, TestEnvironment } from './app';
import { HttpClient } from './http';
import { launch, listeningPort, Running } from './processes';

/** Debian's chromium; the flags keep it off the network this machine does not have. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export interface Stack {
  environment: TestEnvironment;
  apiUrl: string;
  http: HttpClient;
  processes: Running[];
  browser: Browser;
  /**
   * Kills the api (SIGKILL: sockets drop with no goodbye), runs `whileDown`, and starts the api
   * again on the same port.
   */
  restartApi(whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real thing end to end: api, ingest and worker as built processes (`npm run build`), the
 * platform simulator, and a headless chromium loading the dashboard the api serves.
 */
export async function startStack(extra: Record<string, string> = {}): Promise<Stack> {
  // Socket slots of a killed api expire with its heartbeats: short, so a restart test need not wait 30 s.
  const environment = await freshEnvironment({ PRESENCE_TTL_SECONDS: '3', ...extra });
  // The processes announce their port in an info line.
  const env = { ...environment.env, LOG_LEVEL: 'info', WORKER_PORT: '0' };
  // A file whose api must be at a known address (its API_PUBLIC_URL, for OAuth redirects) sets API_PORT.
  const api = launch('api', { ...env, API_PORT: extra.API_PORT ?? '0' });
  const ingest = launch('ingest', env);
  const worker = launch('worker', env);
  const processes = [api, ingest, worker];
  try {
    const apiPort = await listeningPort(api);
    await Promise.all([listeningPort(ingest), listeningPort(worker)]);
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    return {
      environment,
      apiUrl,
      http: new HttpClient(apiUrl),
      processes,
      browser,
      restartApi: async (whileDown = async () => undefined) => {
        const current = processes[0];
        current.child.kill('SIGKILL');
        await current.exit;
        await whileDown();
        const next = launch('api', { ...env, API_PORT: String(apiPort) });
        processes[0] = next;
        await listeningPort(next);
      },
      close: async () => {
        await browser.close();
        for (const running of processes) if (running.child.exitCode === null) running.child.kill('SIGTERM');
        await Promise.all(processes.map((running) => running.exit));
        await environment.close();
      },
    };
  } catch (error) {
    for (const running of processes) running.child.kill('SIGKILL');
    await environment.close();
    throw error;
  }
}

/** A new workspace's first admin, by the signup route, with the password the browser signs in with. */
export async function signUpAdmin(
  stack: Stack,
  workspaceName: string,
): Promise<{ email: string; password: string; token: string; id: string }> {
  const password = 'correct horse battery staple';
  const signup = await stack.http.post('/api/v1/auth/signup', {
    workspace_name: workspaceName,
    name: 'Sara Admin',
    email: `admin-${Date.now()}@example.test`,
    password,
  });
  return {
    email: signup.body.agent.email,
    password,
    token: signup.body.access_token,
    id: signup.body.agent.id,
  };
}

/** A browser context (its own storage: one signed-in agent) signed in through the login form. */
export async function signIn(
  stack: Stack,
  credentials: { email: string; password: string },
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack.browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${stack.apiUrl}/`);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('nav-inbox').waitFor();
  return { context, page };
}

/** Screenshots for docs/ when PARLEY_SCREENSHOTS names a folder; nothing otherwise. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.PARLEY_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
