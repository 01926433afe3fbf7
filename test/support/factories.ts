import { randomBytes } from 'node:crypto';
import { ChannelService } from '@parley/domain/services/channel.service';
import { InboundMessageService } from '@parley/domain/services/inbound-message.service';
import type { TestApi } from './app';
import { eventually } from './ws';
import { HttpClient } from './http';

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`;

export interface Workspace {
  workspaceId: string;
  adminId: string;
  token: string;
  refreshToken: string;
  email: string;
  password: string;
  http: HttpClient;
}

/** Signs up a new workspace through the public API and returns its admin's session. */
export async function signupWorkspace(
  api: TestApi,
  overrides: Partial<{ name: string; email: string }> = {},
) {
  const email = overrides.email ?? `admin-${unique()}@example.test`;
  const password = 'correct horse battery staple';
  const http = new HttpClient(api.url);
  const res = await http.post('/api/v1/auth/signup', {
    workspace_name: overrides.name ?? `Workspace ${unique()}`,
    name: 'Admin',
    email,
    password,
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    workspaceId: res.body.workspace.id as string,
    adminId: res.body.agent.id as string,
    token: res.body.access_token as string,
    refreshToken: res.body.refresh_token as string,
    email,
    password,
    http: http.as(res.body.access_token),
  } satisfies Workspace;
}

/** Invites an agent as the workspace admin and accepts the invite; returns the agent's session. */
export async function addAgent(api: TestApi, workspace: Workspace, role: 'admin' | 'agent' = 'agent') {
  const email = `agent-${unique()}@example.test`;
  const invite = await workspace.http.post('/api/v1/agents', { name: `Agent ${unique()}`, email, role });
  if (invite.status !== 201)
    throw new Error(`invite failed: ${invite.status} ${JSON.stringify(invite.body)}`);
  const accepted = await new HttpClient(api.url).post('/api/v1/auth/accept-invite', {
    invite_token: invite.body.invite_token,
    password: 'another good password',
  });
  if (accepted.status !== 201)
    throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return {
    id: accepted.body.agent.id as string,
    email,
    token: accepted.body.access_token as string,
    http: new HttpClient(api.url).as(accepted.body.access_token),
  };
}

/** A Telegram channel of the workspace, connected through the domain to the environment's simulator bot. */
export async function createChannel(api: TestApi, workspaceId: string, name = 'Support bot') {
  return api.get(ChannelService).create(workspaceId, {
    type: 'telegram',
    name,
    bot_token: api.environment.simulator.newBotToken(),
  });
}

/** A customer writing in through the domain's one way in; returns the stored message. */
export async function customerWrites(
  api: TestApi,
  workspaceId: string,
  channelId: string,
  customer: { userId?: string; name?: string; username?: string; text?: string; externalId?: string } = {},
) {
  const userId = customer.userId ?? unique();
  return api.get(InboundMessageService).receive({
    workspaceId,
    channelId,
    platformUserId: userId,
    profile: { name: customer.name ?? `Customer ${userId}`, username: customer.username ?? null },
    externalId: customer.externalId ?? `${userId}:${unique()}`,
    content: customer.text ?? 'Hello, I need help',
  });
}

/** Waits, with a bound, for the customer message ingest stored under this platform id. */
export async function storedMessage(api: TestApi, externalId: string) {
  let row: { id: string; conversation_id: string } | undefined;
  await eventually(async () => {
    [row] = await api.db.query('SELECT id, conversation_id FROM message WHERE external_id = $1', [
      externalId,
    ]);
    expect(row).toBeDefined();
  });
  return row!;
}
