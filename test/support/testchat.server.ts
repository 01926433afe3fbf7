import express, { NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signTestchat, TESTCHAT_SIGNATURE, TestchatDelivery } from './testchat.adapter';

/** A call Testchat received from Parley. */
export interface TestchatCall {
  method: 'messages' | 'typing' | 'file';
  account: string;
  body: Record<string, unknown>;
}

/**
 * Testchat, a chat platform that exists only in tests: accounts with bearer tokens, one webhook
 * per account (its URL and signing secret set by the adapter), sends, typing and files. It plays
 * the customer too: `deliver` posts a signed delivery to the account's webhook.
 */
export class TestchatServer {
  readonly calls: TestchatCall[] = [];
  url = '';
  private readonly accounts = new Map<string, string>(); // token → account id
  private readonly webhooks = new Map<string, { url: string; secret: string }>(); // account id → webhook
  private readonly files = new Map<string, { bytes: Buffer; mime: string }>();
  private server?: Server;
  private sent = 0;

  async start(): Promise<this> {
    const app = express();
    app.use(express.json());
    const account = (req: Request, res: Response, next: NextFunction) => {
      const id = this.accounts.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!id) return void res.status(401).json({ error: 'unknown token' });
      res.locals.account = id;
      next();
    };
    app.get('/me', account, (_req, res) => void res.json({ account_id: res.locals.account }));
    app.put('/webhook', account, (req, res) => {
      this.webhooks.set(res.locals.account as string, { url: req.body.url, secret: req.body.secret });
      res.json({ ok: true });
    });
    app.delete('/webhook', account, (_req, res) => {
      this.webhooks.delete(res.locals.account as string);
      res.json({ ok: true });
    });
    app.post('/messages', account, (req, res) => {
      this.calls.push({ method: 'messages', account: res.locals.account as string, body: req.body });
      res.json({ id: `tc-${++this.sent}` });
    });
    app.post('/typing', account, (req, res) => {
      this.calls.push({ method: 'typing', account: res.locals.account as string, body: req.body });
      res.json({ ok: true });
    });
    app.get('/files/:id', account, (req, res) => {
      this.calls.push({ method: 'file', account: res.locals.account as string, body: { id: req.params.id } });
      const file = this.files.get(req.params.id as string);
      if (!file) return void res.status(404).json({ error: 'no such file' });
      res.type(file.mime).send(file.bytes);
    });
    this.server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  newAccount(): { accountId: string; token: string } {
    const account = {
      accountId: `acct-${randomBytes(4).toString('hex')}`,
      token: randomBytes(16).toString('hex'),
    };
    this.accounts.set(account.token, account.accountId);
    return account;
  }

  webhookOf(accountId: string): { url: string; secret: string } | undefined {
    return this.webhooks.get(accountId);
  }

  /** A file a customer sends; its id goes in a delivery. */
  addFile(bytes: Buffer, mime: string): string {
    const id = `file-${randomBytes(4).toString('hex')}`;
    this.files.set(id, { bytes, mime });
    return id;
  }

  /** Posts a delivery to the account's webhook, signed with its secret unless a signature is given. */
  async deliver(
    accountId: string,
    delivery: TestchatDelivery | Record<string, unknown>,
    options: { signature?: string | null } = {},
  ): Promise<{ status: number; body: { code?: string } }> {
    const webhook = this.webhooks.get(accountId);
    if (!webhook) throw new Error(`account ${accountId} has no webhook`);
    const raw = JSON.stringify(delivery);
    const signature = options.signature === undefined ? signTestchat(webhook.secret, raw) : options.signature;
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { [TESTCHAT_SIGNATURE]: signature } : {}),
      },
      body: raw,
    });
    return { status: res.status, body: (await res.json()) as { code?: string } };
  }
}
