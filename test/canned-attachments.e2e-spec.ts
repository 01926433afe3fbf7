import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaLinkService } from '@parley/domain/services/media-link.service';
import { SAMPLE_JPEG } from '../tools/simulator/samples';
import { freshEnvironment, startApi, startWorker, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually } from './support/ws';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const HTML = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');

interface AttachmentView {
  id: string;
  kind: 'image' | 'file';
  mime: string;
  size: number;
  file_name: string;
}

/**
 * Files on canned replies: checked like a reply's uploads, kept per workspace and per owner, sent
 * through the platform as any attachment, and copied into each message so nothing sent breaks
 * when the canned reply or its file is deleted.
 */
describe('canned replies with files', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let worker: TestApp;
  let a: Workspace;
  let b: Workspace;
  let channelA: string;

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    worker = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelA = (await createChannel(api, a.workspaceId)).id;
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await environment.close();
  });

  const canned = async (
    who: { http: Workspace['http'] },
    shortcut: string,
    content = `Text of ${shortcut}`,
  ) => {
    const res = await who.http.post('/api/v1/canned-responses', { shortcut, content });
    expect(res.status).toBe(201);
    return res.body as { id: string; attachments: AttachmentView[] };
  };
  const attach = async (
    token: string,
    cannedId: string,
    file: { bytes: Buffer; name: string; kind?: string } | null,
  ) => {
    const form = new FormData();
    if (file?.kind) form.append('kind', file.kind);
    if (file) form.append('file', new Blob([file.bytes], { type: 'application/octet-stream' }), file.name);
    const res = await fetch(`${api.url}/api/v1/canned-responses/${cannedId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { code?: string } };
  };
  const download = (token: string, path: string) =>
    fetch(`${api.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
  const filesIn = async (workspaceId: string) =>
    readdir(join(environment.env.MEDIA_DIR, workspaceId)).catch(() => [] as string[]);
  const storedKeys = async (workspaceId: string): Promise<string[]> =>
    (
      await api.db.query(`SELECT storage_key FROM canned_response_attachment WHERE workspace_id = $1`, [
        workspaceId,
      ])
    ).map((r: { storage_key: string }) => r.storage_key.split('/').pop());

  it('an admin attaches an image and a document to a workspace reply; every agent sees and fetches them', async () => {
    const reply = await canned(a, 'welcome-pack');
    const image = await attach(a.token, reply.id, { bytes: SAMPLE_JPEG, name: 'map.jpg' });
    expect(image.status).toBe(201);
    const doc = await attach(a.token, reply.id, { bytes: PDF, name: 'price list.pdf' });
    expect(doc.status).toBe(201);
    expect(doc.body.attachments).toEqual([
      expect.objectContaining({
        kind: 'image',
        mime: 'image/jpeg',
        size: SAMPLE_JPEG.length,
        file_name: 'map.jpg',
      }),
      expect.objectContaining({
        kind: 'file',
        mime: 'application/pdf',
        size: PDF.length,
        file_name: 'price list.pdf',
      }),
    ]);

    const agent = await addAgent(api, a);
    const found = await agent.http.get('/api/v1/canned-responses?q=welcome');
    const seen = (found.body as { id: string; attachments: AttachmentView[] }[]).find(
      (c) => c.id === reply.id,
    )!;
    expect(seen.attachments.map((f) => f.file_name)).toEqual(['map.jpg', 'price list.pdf']);

    const [jpeg, pdf] = seen.attachments;
    const served = await download(agent.token, `/canned-responses/${reply.id}/attachments/${jpeg.id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('content-security-policy')).toBe('sandbox');
    expect((await bytesOf(served)).equals(SAMPLE_JPEG)).toBe(true);
    const link = await agent.http.get(`/api/v1/canned-responses/${reply.id}/attachments/${pdf.id}/link`);
    expect(link.status).toBe(200);
    const byLink = await fetch(`${api.url}${link.body.url}`);
    expect(byLink.status).toBe(200);
    expect(byLink.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect((await bytesOf(byLink)).equals(PDF)).toBe(true);
  });

  it('an empty, oversized, mislabelled or one-too-many file is refused with a stable code and leaves nothing on disk', async () => {
    const reply = await canned(a, 'refusals');
    const before = await filesIn(a.workspaceId);
    const refusals: [{ bytes: Buffer; name: string; kind?: string } | null, number, string][] = [
      [null, 400, 'attachment_invalid'],
      [{ bytes: Buffer.alloc(0), name: 'empty.pdf' }, 400, 'attachment_invalid'],
      // HTML with a script, sent as an image: its bytes say otherwise.
      [{ bytes: HTML, name: 'photo.png', kind: 'image' }, 415, 'attachment_invalid'],
      // A real JPEG head padded past an image's 10 MB.
      [
        {
          bytes: Buffer.concat([SAMPLE_JPEG, Buffer.alloc(10 * 1024 * 1024)]),
          name: 'huge.jpg',
          kind: 'image',
        },
        413,
        'attachment_invalid',
      ],
      [{ bytes: Buffer.alloc(21 * 1024 * 1024, 1), name: 'huge.bin' }, 413, 'payload_too_large'],
    ];
    for (const [file, status, code] of refusals) {
      const res = await attach(a.token, reply.id, file);
      expect({ name: file?.name, status: res.status, code: res.body.code }).toEqual({
        name: file?.name,
        status,
        code,
      });
      expect(typeof res.body.message).toBe('string');
    }
    expect(await filesIn(a.workspaceId)).toEqual(before);

    // Not an image, so kept as a document: served only as opaque bytes to download.
    const html = await attach(a.token, reply.id, { bytes: HTML, name: '../../../etc/passwd.html' });
    expect(html.status).toBe(201);
    const [kept] = html.body.attachments as AttachmentView[];
    expect(kept).toMatchObject({ kind: 'file', mime: 'application/octet-stream' });
    expect(kept.file_name).not.toMatch(/[/\\]/);
    const served = await download(a.token, `/canned-responses/${reply.id}/attachments/${kept.id}`);
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
    expect(served.headers.get('content-disposition')).toMatch(/^attachment;/);

    for (let i = 0; i < 4; i++)
      expect((await attach(a.token, reply.id, { bytes: PDF, name: `${i}.pdf` })).status).toBe(201);
    const sixth = await attach(a.token, reply.id, { bytes: PDF, name: 'sixth.pdf' });
    expect(sixth.status).toBe(409);
    expect(sixth.body.code).toBe('canned_attachments_full');
    // Every file on disk is one a canned reply holds (no message has sent one yet).
    expect((await filesIn(a.workspaceId)).sort()).toEqual((await storedKeys(a.workspaceId)).sort());
  });

  it("an agent's own reply and its files are nobody else's, and another workspace's are 404 by every route", async () => {
    const owner = await addAgent(api, a);
    const colleague = await addAgent(api, a);
    const own = await canned(owner, 'my-card');
    const added = await attach(owner.token, own.id, { bytes: SAMPLE_JPEG, name: 'card.jpg' });
    expect(added.status).toBe(201);
    const fileId = (added.body.attachments as AttachmentView[])[0].id;
    const shared = await canned(a, 'shared-file');
    const sharedFile = (
      (await attach(a.token, shared.id, { bytes: PDF, name: 'terms.pdf' })).body
        .attachments as AttachmentView[]
    )[0].id;
    // An agent may not change the workspace's reply's files.
    expect((await attach(owner.token, shared.id, { bytes: PDF, name: 'x.pdf' })).body.code).toBe(
      'canned_scope_forbidden',
    );
    expect(
      (await owner.http.delete(`/api/v1/canned-responses/${shared.id}/attachments/${sharedFile}`)).status,
    ).toBe(403);

    const conversationB = (
      await customerWrites(api, b.workspaceId, (await createChannel(api, b.workspaceId)).id)
    ).message.conversation_id;
    const conversationA = (await customerWrites(api, a.workspaceId, channelA)).message.conversation_id;
    const outsiders: [string, Workspace['http'], string, string][] = [
      ['a colleague', colleague.http, colleague.token, conversationA],
      ['the admin', a.http, a.token, conversationA],
      ["another workspace's admin", b.http, b.token, conversationB],
    ];
    for (const [who, http, token, conversation] of outsiders) {
      const statuses = {
        who,
        get: (await http.get(`/api/v1/canned-responses/${own.id}`)).status,
        file: (await download(token, `/canned-responses/${own.id}/attachments/${fileId}`)).status,
        link: (await http.get(`/api/v1/canned-responses/${own.id}/attachments/${fileId}/link`)).status,
        attach: (await attach(token, own.id, { bytes: PDF, name: 'x.pdf' })).status,
        detach: (await http.delete(`/api/v1/canned-responses/${own.id}/attachments/${fileId}`)).status,
        send: (
          await http.post(`/api/v1/conversations/${conversation}/attachments`, {
            canned_attachment_id: fileId,
          })
        ).status,
      };
      expect(statuses).toEqual({ who, get: 404, file: 404, link: 404, attach: 404, detach: 404, send: 404 });
    }
    // The workspace's own reply's file, asked for by another workspace, or through another reply's path.
    expect((await download(b.token, `/canned-responses/${shared.id}/attachments/${sharedFile}`)).status).toBe(
      404,
    );
    expect(
      (
        await b.http.post(`/api/v1/conversations/${conversationB}/attachments`, {
          canned_attachment_id: sharedFile,
        })
      ).status,
    ).toBe(404);
    expect(
      (await download(owner.token, `/canned-responses/${own.id}/attachments/${sharedFile}`)).status,
    ).toBe(404);

    // A media link moved to another workspace, or read as a message's attachment, names nothing.
    const links = api.get(MediaLinkService);
    for (const token of [
      links.sign({ workspaceId: b.workspaceId, messageId: fileId, index: 0, source: 'canned' }).token,
      links.sign({ workspaceId: a.workspaceId, messageId: fileId, index: 0 }).token,
    ]) {
      const res = await fetch(`${api.url}/api/v1/media/${token}`);
      expect(res.status).toBe(404);
    }
    const genuine = links.sign({
      workspaceId: a.workspaceId,
      messageId: fileId,
      index: 0,
      source: 'canned',
    }).token;
    expect((await fetch(`${api.url}/api/v1/media/${genuine}`)).status).toBe(200);
  });

  it('a canned file sent in a conversation reaches the Telegram customer, and the message keeps it after the canned reply is deleted', async () => {
    const reply = await canned(a, 'directions', 'Here is how to find us, {{contact.name}}.');
    await attach(a.token, reply.id, { bytes: SAMPLE_JPEG, name: 'map.jpg' });
    const withPdf = await attach(a.token, reply.id, { bytes: PDF, name: 'hours.pdf' });
    const [jpeg, pdf] = withPdf.body.attachments as AttachmentView[];
    const agent = await addAgent(api, a);
    const conversationId = (await customerWrites(api, a.workspaceId, channelA, { name: 'Sara' })).message
      .conversation_id;

    const sent: { id: string }[] = [];
    for (const file of [jpeg, pdf]) {
      const res = await agent.http.post(`/api/v1/conversations/${conversationId}/attachments`, {
        canned_attachment_id: file.id,
      });
      expect(res.status).toBe(201);
      expect(res.body.attachments).toEqual([
        expect.objectContaining({ kind: file.kind, mime: file.mime, file_name: file.file_name }),
      ]);
      sent.push(res.body as { id: string });
    }
    const simulator = environment.simulator;
    await eventually(() => {
      const calls = simulator.sent('telegram');
      const photo = calls.find((c) => c.method === 'sendPhoto' && c.files[0]?.bytes.equals(SAMPLE_JPEG));
      const document = calls.find((c) => c.method === 'sendDocument' && c.files[0]?.bytes.equals(PDF));
      expect(photo).toBeDefined();
      expect(document).toBeDefined();
    }, 15000);
    await eventually(async () => {
      const rows: { status: string }[] = await api.db.query(`SELECT status FROM message WHERE id = ANY($1)`, [
        sent.map((m) => m.id),
      ]);
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    }, 15000);

    // The message's file is its own copy: removing the canned file and then the reply leaves it whole.
    const [messageKey] = (
      await api.db.query(`SELECT attachments FROM message WHERE id = $1`, [sent[0].id])
    )[0].attachments as { storage_key: string }[];
    expect((await storedKeys(a.workspaceId)).some((key) => messageKey.storage_key.endsWith(key))).toBe(false);
    expect((await a.http.delete(`/api/v1/canned-responses/${reply.id}/attachments/${jpeg.id}`)).status).toBe(
      204,
    );
    expect((await a.http.delete(`/api/v1/canned-responses/${reply.id}`)).status).toBe(204);
    expect((await download(a.token, `/canned-responses/${reply.id}/attachments/${pdf.id}`)).status).toBe(404);
    expect(
      (
        await agent.http.post(`/api/v1/conversations/${conversationId}/attachments`, {
          canned_attachment_id: pdf.id,
        })
      ).status,
    ).toBe(404);
    for (const [message, bytes] of [
      [sent[0], SAMPLE_JPEG],
      [sent[1], PDF],
    ] as const) {
      const res = await download(agent.token, `/messages/${message.id}/attachments/0`);
      expect(res.status).toBe(200);
      expect((await bytesOf(res)).equals(bytes)).toBe(true);
    }
  });
});
