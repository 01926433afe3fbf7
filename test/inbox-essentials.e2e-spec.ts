import { startApi, TestApp } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { WsClient } from './support/ws';

/** Labels, canned replies, teams and bulk actions over REST, each kept inside its workspace. */
describe('inbox essentials: labels, canned replies, teams, bulk actions', () => {
  let api: TestApp;
  let a: Workspace;
  let b: Workspace;
  let channelA: string;
  let channelB: string;
  const sockets: WsClient[] = [];

  const conversationOf = async (workspace: Workspace, channelId: string, text = 'Hello') => {
    const message = await customerWrites(api, workspace.workspaceId, channelId, { text });
    return message.message.conversation_id;
  };
  const label = async (workspace: Workspace, name: string, color = '#1f8a70') => {
    const res = await workspace.http.post('/api/v1/labels', { name, color });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string; color: string };
  };

  beforeAll(async () => {
    api = await startApi();
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelA = (await createChannel(api, a.workspaceId)).id;
    channelB = (await createChannel(api, b.workspaceId)).id;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await api.close();
  });

  describe('labels', () => {
    it('creates coloured labels with names unique ignoring case, and refuses a bad colour or name', async () => {
      const vip = await label(a, 'VIP', '#AA00FF');
      expect(vip).toMatchObject({ name: 'VIP', color: '#aa00ff' });
      const again = await a.http.post('/api/v1/labels', { name: 'vip', color: '#000000' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('label_name_taken');
      for (const body of [
        { name: 'x', color: 'red' },
        { name: 'x', color: '#12345' },
        { name: 'x', color: '#1234567' },
        { name: 'x', color: "#123'; DROP TABLE label;--" },
        { name: '', color: '#123456' },
        { name: 'a\u0000b', color: '#123456' },
        { name: 'x'.repeat(65), color: '#123456' },
      ]) {
        const res = await a.http.post('/api/v1/labels', body);
        expect(res.status).toBe(400);
      }
      // The same name is free in another workspace.
      await label(b, 'VIP');
    });

    it('puts labels on a conversation, shows them on the wire, filters the list by label and tells open inboxes', async () => {
      const billing = await label(a, 'Billing', '#ff0000');
      const urgent = await label(a, 'Urgent', '#00ff00');
      const first = await conversationOf(a, channelA);
      const second = await conversationOf(a, channelA);
      const inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: a.token });
      sockets.push(inbox);
      await inbox.next((f) => f.type === 'ready');

      const set = await a.http.put(`/api/v1/conversations/${first}/labels`, {
        label_ids: [urgent.id, billing.id],
      });
      expect(set.status).toBe(200);
      expect(set.body.labels.map((l: { name: string }) => l.name)).toEqual(['Billing', 'Urgent']);
      expect(set.body.labels[0]).toEqual({ id: billing.id, name: 'Billing', color: '#ff0000' });
      const frame = await inbox.next(
        (f) =>
          f.type === 'conversation_updated' && f.conversation.id === first && f.changes.includes('labels'),
      );
      expect(frame.conversation.labels).toHaveLength(2);

      const filtered = await a.http.get(`/api/v1/conversations?label=${billing.id}`);
      expect(filtered.status).toBe(200);
      expect(filtered.body.data.map((c: { id: string }) => c.id)).toEqual([first]);
      const other = await a.http.get(`/api/v1/conversations/${second}`);
      expect(other.body.labels).toEqual([]);

      // Setting the same set again changes nothing and tells nobody.
      const before = inbox.frames.length;
      await a.http.put(`/api/v1/conversations/${first}/labels`, { label_ids: [billing.id, urgent.id] });
      await a.http.put(`/api/v1/conversations/${first}/labels`, { label_ids: [billing.id] });
      const next = await inbox.next(
        (f) => f.type === 'conversation_updated' && f.conversation.id === first,
        5000,
        before,
      );
      expect(next.conversation.labels.map((l: { id: string }) => l.id)).toEqual([billing.id]);

      // Deleting a label takes it off.
      expect((await a.http.delete(`/api/v1/labels/${billing.id}`)).status).toBe(204);
      expect((await a.http.get(`/api/v1/conversations/${first}`)).body.labels).toEqual([]);
    });

    it('labels contacts', async () => {
      const lead = await label(a, 'Lead');
      const conversation = await a.http.get(`/api/v1/conversations/${await conversationOf(a, channelA)}`);
      const contactId = conversation.body.contact.id;
      const res = await a.http.put(`/api/v1/contacts/${contactId}/labels`, { label_ids: [lead.id] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual([{ id: lead.id, name: 'Lead', color: '#1f8a70' }]);
      expect((await a.http.get(`/api/v1/contacts/${contactId}/labels`)).body).toHaveLength(1);
    });

    it("never reaches another workspace's labels, conversations or contacts", async () => {
      const mine = await label(a, 'Mine');
      const theirs = await label(b, 'Theirs');
      const conversationA = await conversationOf(a, channelA);
      const conversationB = await conversationOf(b, channelB);
      const contactB = (await b.http.get(`/api/v1/conversations/${conversationB}`)).body.contact.id;

      expect((await a.http.get(`/api/v1/labels/${theirs.id}`)).status).toBe(404);
      expect((await a.http.patch(`/api/v1/labels/${theirs.id}`, { name: 'Stolen' })).status).toBe(404);
      expect((await a.http.delete(`/api/v1/labels/${theirs.id}`)).status).toBe(404);
      const foreignLabel = await a.http.put(`/api/v1/conversations/${conversationA}/labels`, {
        label_ids: [theirs.id],
      });
      expect(foreignLabel.status).toBe(404);
      expect(foreignLabel.body.code).toBe('label_unknown');
      expect(
        (await a.http.put(`/api/v1/conversations/${conversationB}/labels`, { label_ids: [mine.id] })).status,
      ).toBe(404);
      expect((await a.http.put(`/api/v1/contacts/${contactB}/labels`, { label_ids: [mine.id] })).status).toBe(
        404,
      );
      expect((await a.http.get(`/api/v1/contacts/${contactB}/labels`)).status).toBe(404);
      expect((await a.http.get(`/api/v1/conversations?label=${theirs.id}`)).body.data).toEqual([]);
      expect((await a.http.get('/api/v1/labels')).body.map((l: { name: string }) => l.name)).not.toContain(
        'Theirs',
      );
      expect((await b.http.get(`/api/v1/labels/${theirs.id}`)).body.name).toBe('Theirs');
    });

    it('lets agents read and put labels on, but only admins define them', async () => {
      const agent = await addAgent(api, a);
      expect((await agent.http.get('/api/v1/labels')).status).toBe(200);
      const res = await agent.http.post('/api/v1/labels', { name: 'Agent made', color: '#123456' });
      expect(res.status).toBe(403);
      const tag = await label(a, 'Agent can use');
      const conversation = await conversationOf(a, channelA);
      expect(
        (await agent.http.put(`/api/v1/conversations/${conversation}/labels`, { label_ids: [tag.id] }))
          .status,
      ).toBe(200);
    });
  });

  describe('canned replies', () => {
    it("keeps the workspace's replies for everyone and an agent's own invisible to the others", async () => {
      const agent = await addAgent(api, a);
      const other = await addAgent(api, a);
      const shared = await a.http.post('/api/v1/canned-responses', {
        shortcut: 'hello',
        content: 'Hello {{contact.name}}, this is {{agent.name}}.',
      });
      expect(shared.status).toBe(201);
      expect(shared.body.scope).toBe('workspace');
      const own = await agent.http.post('/api/v1/canned-responses', {
        shortcut: 'mine',
        content: 'My own words',
      });
      expect(own.status).toBe(201);
      expect(own.body).toMatchObject({ scope: 'personal', owner_id: agent.id });

      const refused = await agent.http.post('/api/v1/canned-responses', {
        shortcut: 'team',
        content: 'x',
        scope: 'workspace',
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('canned_scope_forbidden');
      expect(
        (await agent.http.patch(`/api/v1/canned-responses/${shared.body.id}`, { content: 'changed' })).status,
      ).toBe(403);

      const seenByOther = (await other.http.get('/api/v1/canned-responses')).body.map(
        (c: { shortcut: string }) => c.shortcut,
      );
      expect(seenByOther).toContain('hello');
      expect(seenByOther).not.toContain('mine');
      expect((await other.http.get(`/api/v1/canned-responses/${own.body.id}`)).status).toBe(404);
      expect((await other.http.delete(`/api/v1/canned-responses/${own.body.id}`)).status).toBe(404);
      expect((await a.http.get(`/api/v1/canned-responses/${own.body.id}`)).status).toBe(404);
      expect(
        (await agent.http.get('/api/v1/canned-responses')).body.map((c: { shortcut: string }) => c.shortcut),
      ).toEqual(expect.arrayContaining(['hello', 'mine']));

      const taken = await a.http.post('/api/v1/canned-responses', { shortcut: 'HELLO', content: 'again' });
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe('canned_shortcut_taken');
      // An agent's own shortcut may repeat the workspace's.
      expect(
        (await agent.http.post('/api/v1/canned-responses', { shortcut: 'hello', content: 'mine' })).status,
      ).toBe(201);
      for (const body of [
        { shortcut: 'has space', content: 'x' },
        { shortcut: '', content: 'x' },
        { shortcut: 'ok', content: '' },
        { shortcut: 'ok', content: 'x'.repeat(4097) },
      ])
        expect((await a.http.post('/api/v1/canned-responses', body)).status).toBe(400);
    });

    it('searches by shortcut and by text', async () => {
      await a.http.post('/api/v1/canned-responses', {
        shortcut: 'refund',
        content: 'Your money is on its way.',
      });
      await a.http.post('/api/v1/canned-responses', {
        shortcut: 'shipping',
        content: 'Parcels leave within a day.',
      });
      await a.http.post('/api/v1/canned-responses', { shortcut: 'سلام', content: 'سلام، چطور کمکتان کنم؟' });
      const byShortcut = await a.http.get('/api/v1/canned-responses?q=ref');
      expect(byShortcut.body.map((c: { shortcut: string }) => c.shortcut)).toEqual(['refund']);
      const byText = await a.http.get(`/api/v1/canned-responses?q=${encodeURIComponent('parcels')}`);
      expect(byText.body.map((c: { shortcut: string }) => c.shortcut)).toEqual(['shipping']);
      const persian = await a.http.get(`/api/v1/canned-responses?q=${encodeURIComponent('/سلا')}`);
      expect(persian.body.map((c: { shortcut: string }) => c.shortcut)).toEqual(['سلام']);
      const wildcard = await a.http.get(`/api/v1/canned-responses?q=${encodeURIComponent('%_')}`);
      expect(wildcard.body).toEqual([]);
    });

    it('fills the variables for a conversation, leaves unknown ones visible and never re-reads a value as a template', async () => {
      const conversation = await customerWrites(api, a.workspaceId, channelA, {
        name: '{{agent.name}} {{conversation.id}}',
      });
      const canned = await a.http.post('/api/v1/canned-responses', {
        shortcut: 'vars',
        content:
          'Hi {{contact.name}} / {{ agent.name }} / #{{conversation.id}} / {{contact.phone}} / {{order.total}} / {{constructor}}',
      });
      const res = await a.http.post(`/api/v1/canned-responses/${canned.body.id}/render`, {
        conversation_id: conversation.message.conversation_id,
      });
      expect(res.status).toBe(200);
      expect(res.body.content).toBe(
        `Hi {{agent.name}} {{conversation.id}} / Admin / #${conversation.message.conversation_id} / {{contact.phone}} / {{order.total}} / {{constructor}}`,
      );
      expect(res.body.missing).toEqual(['contact.phone', 'order.total', 'constructor']);
      const foreign = await conversationOf(b, channelB);
      expect(
        (await a.http.post(`/api/v1/canned-responses/${canned.body.id}/render`, { conversation_id: foreign }))
          .status,
      ).toBe(404);
      const theirs = await b.http.post('/api/v1/canned-responses', { shortcut: 'theirs', content: 'x' });
      expect((await a.http.get(`/api/v1/canned-responses/${theirs.body.id}`)).status).toBe(404);
      expect(
        (await a.http.patch(`/api/v1/canned-responses/${theirs.body.id}`, { content: 'y' })).status,
      ).toBe(404);
    });
  });

  describe('teams', () => {
    it('creates teams with members and routing, refuses capacity without a maximum and foreign agents', async () => {
      const agent = await addAgent(api, a);
      const team = await a.http.post('/api/v1/teams', {
        name: 'Billing desk',
        routing: 'round_robin',
        agent_ids: [agent.id, a.adminId],
      });
      expect(team.status).toBe(201);
      expect(team.body.members.map((m: { id: string }) => m.id).sort()).toEqual([agent.id, a.adminId].sort());
      expect((await a.http.post('/api/v1/teams', { name: 'billing DESK' })).body.code).toBe(
        'team_name_taken',
      );
      const noMax = await a.http.post('/api/v1/teams', { name: 'Capacity', routing: 'capacity' });
      expect(noMax.status).toBe(400);
      expect(noMax.body.code).toBe('team_capacity_required');
      const foreign = await a.http.post('/api/v1/teams', { name: 'Foreign', agent_ids: [b.adminId] });
      expect(foreign.status).toBe(404);
      expect(foreign.body.code).toBe('team_agent_unknown');
      expect((await a.http.post('/api/v1/teams', { name: 'Bad', routing: 'random' })).status).toBe(400);
      expect((await a.http.post('/api/v1/teams', { name: 'Bad', max_open_per_agent: 0 })).status).toBe(400);

      const patched = await a.http.patch(`/api/v1/teams/${team.body.id}`, {
        routing: 'capacity',
        max_open_per_agent: 3,
        agent_ids: [agent.id],
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ routing: 'capacity', max_open_per_agent: 3 });
      expect(patched.body.members).toEqual([{ id: agent.id, name: expect.any(String) }]);
      expect((await agent.http.post('/api/v1/teams', { name: 'Agent team' })).status).toBe(403);
      expect((await agent.http.get('/api/v1/teams')).status).toBe(200);
    });

    it('assigns a conversation to a team and/or an agent; a team alone takes off an assignee who is not in it', async () => {
      const member = await addAgent(api, a);
      const outsider = await addAgent(api, a);
      const team = (await a.http.post('/api/v1/teams', { name: 'Sales', agent_ids: [member.id] })).body;
      const id = await conversationOf(a, channelA);
      const inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: a.token });
      sockets.push(inbox);
      await inbox.next((f) => f.type === 'ready');

      const both = await a.http.post(`/api/v1/conversations/${id}/assign`, {
        agent_id: member.id,
        team_id: team.id,
      });
      expect(both.status).toBe(200);
      expect(both.body.team).toEqual({ id: team.id, name: 'Sales' });
      expect(both.body.assignee.id).toBe(member.id);
      const frame = await inbox.next((f) => f.type === 'conversation_updated' && f.changes.includes('team'));
      expect(frame.conversation.team.id).toBe(team.id);

      await a.http.post(`/api/v1/conversations/${id}/assign`, { agent_id: outsider.id });
      const teamOnly = await a.http.post(`/api/v1/conversations/${id}/assign`, { team_id: team.id });
      expect(teamOnly.body.assignee).toBeNull();
      expect(
        (await a.http.get(`/api/v1/conversations?team=${team.id}`)).body.data.map(
          (c: { id: string }) => c.id,
        ),
      ).toEqual([id]);
      const none = await a.http.post(`/api/v1/conversations/${id}/assign`, { team_id: null });
      expect(none.body.team).toBeNull();
      const empty = await a.http.post(`/api/v1/conversations/${id}/assign`, {});
      expect(empty.status).toBe(400);
      expect(empty.body.code).toBe('team_assignment_empty');
    });

    it("routes a channel to a team, and never to or from another workspace's team", async () => {
      const team = (await a.http.post('/api/v1/teams', { name: 'Channel team' })).body;
      const theirs = (await b.http.post('/api/v1/teams', { name: 'Their team' })).body;
      const set = await a.http.patch(`/api/v1/channels/${channelA}`, { team_id: team.id });
      expect(set.status).toBe(200);
      expect(set.body.team_id).toBe(team.id);
      const id = await conversationOf(a, channelA);
      expect((await a.http.get(`/api/v1/conversations/${id}`)).body.team).toEqual({
        id: team.id,
        name: 'Channel team',
      });

      expect((await a.http.patch(`/api/v1/channels/${channelA}`, { team_id: theirs.id })).status).toBe(404);
      expect((await a.http.post(`/api/v1/conversations/${id}/assign`, { team_id: theirs.id })).status).toBe(
        404,
      );
      expect((await a.http.get(`/api/v1/teams/${theirs.id}`)).status).toBe(404);
      expect((await a.http.patch(`/api/v1/teams/${theirs.id}`, { name: 'x' })).status).toBe(404);
      expect((await a.http.delete(`/api/v1/teams/${theirs.id}`)).status).toBe(404);
      const agent = await addAgent(api, a);
      expect((await agent.http.patch(`/api/v1/channels/${channelA}`, { team_id: null })).status).toBe(403);
      expect((await a.http.patch(`/api/v1/channels/${channelA}`, { team_id: null })).body.team_id).toBeNull();
    });
  });

  describe('bulk actions', () => {
    it('labels, assigns and resolves many conversations at once, each heard live', async () => {
      const ids = await Promise.all([1, 2, 3].map(() => conversationOf(a, channelA)));
      const tag = await label(a, 'Bulk');
      const agent = await addAgent(api, a);
      const inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: a.token });
      sockets.push(inbox);
      await inbox.next((f) => f.type === 'ready');

      const labelled = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: ids,
        action: 'label',
        label_ids: [tag.id],
      });
      expect(labelled.status).toBe(200);
      expect(labelled.body).toEqual({ action: 'label', updated: 3 });
      for (const id of ids)
        await inbox.next(
          (f) =>
            f.type === 'conversation_updated' && f.conversation.id === id && f.changes.includes('labels'),
        );
      expect((await a.http.get(`/api/v1/conversations?label=${tag.id}`)).body.data).toHaveLength(3);

      const assigned = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: ids,
        action: 'assign',
        agent_id: agent.id,
      });
      expect(assigned.body.updated).toBe(3);
      const resolved = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: ids,
        action: 'resolve',
      });
      expect(resolved.body.updated).toBe(3);
      for (const id of ids) {
        const view = (await a.http.get(`/api/v1/conversations/${id}`)).body;
        expect(view).toMatchObject({ status: 'resolved', assignee: { id: agent.id } });
      }
      const again = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: ids,
        action: 'resolve',
      });
      expect(again.body.updated).toBe(0);
      const unlabelled = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: ids,
        action: 'unlabel',
        label_ids: [tag.id],
      });
      expect(unlabelled.body.updated).toBe(3);
    });

    it("changes nothing when any id is another workspace's, and names those ids", async () => {
      const mine = await conversationOf(a, channelA);
      const theirs = await conversationOf(b, channelB);
      const res = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: [mine, theirs],
        action: 'resolve',
      });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('bulk_conversations_not_found');
      expect(res.body.details).toEqual({ missing: [theirs] });
      expect((await a.http.get(`/api/v1/conversations/${mine}`)).body.status).toBe('open');
      expect((await b.http.get(`/api/v1/conversations/${theirs}`)).body.status).toBe('open');
      const foreignLabel = (await b.http.post('/api/v1/labels', { name: 'B only', color: '#000000' })).body;
      expect(
        (
          await a.http.post('/api/v1/conversations/bulk', {
            conversation_ids: [mine],
            action: 'label',
            label_ids: [foreignLabel.id],
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await a.http.post('/api/v1/conversations/bulk', {
            conversation_ids: [mine],
            action: 'assign',
            agent_id: b.adminId,
          })
        ).status,
      ).toBe(404);
    });

    it('refuses more than 500 ids, an unknown action, and an action without what it needs', async () => {
      const many = Array.from({ length: 501 }, () => crypto.randomUUID());
      expect(
        (await a.http.post('/api/v1/conversations/bulk', { conversation_ids: many, action: 'resolve' }))
          .status,
      ).toBe(400);
      const id = await conversationOf(a, channelA);
      expect(
        (await a.http.post('/api/v1/conversations/bulk', { conversation_ids: [id], action: 'delete' }))
          .status,
      ).toBe(400);
      expect(
        (await a.http.post('/api/v1/conversations/bulk', { conversation_ids: [], action: 'resolve' })).status,
      ).toBe(400);
      expect(
        (await a.http.post('/api/v1/conversations/bulk', { conversation_ids: ['nope'], action: 'resolve' }))
          .status,
      ).toBe(400);
      const missing = await a.http.post('/api/v1/conversations/bulk', {
        conversation_ids: [id],
        action: 'label',
      });
      expect(missing.status).toBe(400);
      expect(missing.body.code).toBe('bulk_action_invalid');
    });
  });

  describe('label changes pushed live', () => {
    it("a renamed, recoloured, then deleted label reaches every open inbox and conversation of its workspace, and no other's", async () => {
      const vip = await label(a, 'Live VIP', '#aa0000');
      const customer = { userId: `live-labels-${Date.now()}`, text: 'Hello' };
      const conversation = (await customerWrites(api, a.workspaceId, channelA, customer)).message
        .conversation_id;
      const contactId = (await a.http.get(`/api/v1/conversations/${conversation}`)).body.contact.id;
      await a.http.put(`/api/v1/contacts/${contactId}/labels`, { label_ids: [vip.id] });
      const agent = await addAgent(api, a);
      const inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: agent.token });
      const chat = await WsClient.connect(api.url, `/ws/chat/${conversation}/`, { token: agent.token });
      const elsewhere = await WsClient.connect(api.url, '/ws/conversations/', { token: b.token });
      sockets.push(inbox, chat, elsewhere);
      await inbox.next((f) => f.type === 'ready');
      await elsewhere.next((f) => f.type === 'ready');
      await chat.next((f) => f.type === 'recent_messages');
      // The open inbox now holds the conversation's view, with the label as it is named now.
      await a.http.put(`/api/v1/conversations/${conversation}/labels`, { label_ids: [vip.id] });
      await inbox.next((f) => f.type === 'conversation_updated' && f.conversation.id === conversation);

      const renamed = await a.http.patch(`/api/v1/labels/${vip.id}`, { name: 'Gold', color: '#FFD700' });
      expect(renamed.status).toBe(200);
      const expected = { id: vip.id, name: 'Gold', color: '#ffd700' };
      for (const socket of [inbox, chat]) {
        const frame = await socket.next((f) => f.type === 'label_updated' && f.label.id === vip.id);
        expect(frame.label).toMatchObject(expected);
        expect(typeof frame.seq).toBe('number');
      }
      // A later change of the conversation shows the new name, not one remembered from before.
      await a.http.post(`/api/v1/conversations/${conversation}/assign`, { agent_id: agent.id });
      const after = await inbox.next(
        (f) =>
          f.type === 'conversation_updated' &&
          f.conversation.id === conversation &&
          f.changes.includes('assignee'),
      );
      expect(after.conversation.labels).toEqual([expected]);

      expect((await a.http.delete(`/api/v1/labels/${vip.id}`)).status).toBe(204);
      for (const socket of [inbox, chat])
        expect((await socket.next((f) => f.type === 'label_deleted')).label_id).toBe(vip.id);
      expect((await a.http.get(`/api/v1/conversations/${conversation}`)).body.labels).toEqual([]);
      expect((await a.http.get(`/api/v1/contacts/${contactId}/labels`)).body).toEqual([]);
      const rows = await api.db.query(
        `SELECT (SELECT count(*) FROM conversation_label WHERE label_id = $1)::int AS conversations,
                (SELECT count(*) FROM contact_label WHERE label_id = $1)::int AS contacts`,
        [vip.id],
      );
      expect(rows[0]).toEqual({ conversations: 0, contacts: 0 });

      // The other workspace's inbox heard its own label change and nothing of workspace a's.
      const theirs = await label(b, 'Their own');
      await b.http.patch(`/api/v1/labels/${theirs.id}`, { name: 'Their renamed' });
      await elsewhere.next((f) => f.type === 'label_updated' && f.label.id === theirs.id);
      expect(
        elsewhere.frames.filter((f) => f.type.startsWith('label_')).map((f) => f.label?.id ?? f.label_id),
      ).toEqual([theirs.id]);
    });

    it("another workspace's label cannot be renamed or deleted, so nobody hears of it", async () => {
      const theirs = await label(b, 'Not yours');
      const inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: b.token });
      sockets.push(inbox);
      await inbox.next((f) => f.type === 'ready');
      const patch = await a.http.patch(`/api/v1/labels/${theirs.id}`, { name: 'Taken', color: '#000000' });
      expect(patch.status).toBe(404);
      expect(patch.body.code).toBe('not_found');
      expect((await a.http.delete(`/api/v1/labels/${theirs.id}`)).status).toBe(404);
      // b's own rename is the first label frame its inbox hears.
      await b.http.patch(`/api/v1/labels/${theirs.id}`, { color: '#123456' });
      const first = await inbox.next((f) => f.type.startsWith('label_'));
      expect(first).toMatchObject({
        type: 'label_updated',
        label: { id: theirs.id, name: 'Not yours', color: '#123456' },
      });
    });
  });
});
