import { firstNameOf, MessageRow, sendResultOf, toMessageView } from './message.presenter';

describe('message presenter', () => {
  it.each([
    ['Zahra Karimi', 'Zahra'],
    ['  Layla   Al-Sayed ', 'Layla'],
    ['محمد رضا کریمی', 'محمد'],
    ['Omid', 'Omid'],
    ['   ', null],
    [null, null],
  ])('takes the first word of %j as the first name', (name, first) => {
    expect(firstNameOf(name)).toBe(first);
  });

  it.each([
    ['support', 'sending', null, null, null],
    ['support', 'sent', '42:7', null, { success: true, message_id: '42:7' }],
    ['support', 'delivered', '42:7', null, { success: true, message_id: '42:7' }],
    ['support', 'read', '42:7', null, { success: true, message_id: '42:7' }],
    [
      'support',
      'failed',
      null,
      'Forbidden: bot was blocked by the user',
      {
        success: false,
        error: 'Forbidden: bot was blocked by the user',
      },
    ],
    ['note', 'sent', null, null, null],
    ['customer', 'delivered', '42:6', null, null],
  ] as const)(
    'a %s message %s has the platform answer it was given',
    (type, status, externalId, reason, result) => {
      expect(sendResultOf({ type, status, external_id: externalId, failure_reason: reason })).toEqual(result);
    },
  );

  it('a failure of our own keeps its stable code beside the text; a platform refusal has none', () => {
    expect(
      sendResultOf({
        type: 'support',
        status: 'failed',
        external_id: null,
        failure_reason: 'The voice note is not audio that can be converted for the platform.',
        failure_code: 'audio_unreadable',
      }),
    ).toEqual({
      success: false,
      error: 'The voice note is not audio that can be converted for the platform.',
      code: 'audio_unreadable',
    });
  });

  const row = (overrides: Partial<MessageRow>): MessageRow => ({
    id: '00000000-0000-4000-8000-000000000001',
    seq: '7',
    conversation_id: '00000000-0000-4000-8000-000000000002',
    type: 'support',
    content: 'typed on the phone',
    attachments: [],
    status: 'sent',
    failure_reason: null,
    external_id: 'aWdfZAG1mid',
    sender_agent_id: null,
    sender_contact_id: null,
    sender_name: null,
    channel_type: 'instagram',
    channel_id: '00000000-0000-4000-8000-000000000003',
    reply_to_id: null,
    spam_reason: null,
    reactions: [],
    edited_at: null,
    deleted_at: null,
    deleted_by_agent_id: null,
    created_at: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  });

  it("a message typed in the platform's app names that app as its sender, never an agent", () => {
    expect(toMessageView(row({ sent_in_app: true })).sender).toEqual({
      kind: 'platform_app',
      id: '00000000-0000-4000-8000-000000000003',
      name: 'Instagram app',
      platform: 'instagram',
    });
    expect(toMessageView(row({ sent_in_app: false })).sender).toBeNull();
  });

  it("a story's reference is shown, and dropped with the rest of a deleted message", () => {
    const story = { kind: 'mention' as const, id: null, url: 'https://lookaside.fbsbx.com/x', preview: 0 };
    expect(toMessageView(row({ type: 'customer', story })).story).toEqual(story);
    expect(toMessageView(row({ type: 'customer', story, deleted_at: new Date() })).story).toBeNull();
  });

  it('a playable copy is announced by its type; where it is stored stays on the server', () => {
    const attachments = [
      {
        kind: 'voice' as const,
        mime: 'audio/ogg',
        size: 10,
        duration: 2,
        storage_key: 'w/m-0',
        source: 'file-id',
        playable_key: 'w/m-0.playable.m4a',
        playable_mime: 'audio/mp4',
      },
    ];
    expect(toMessageView(row({ type: 'customer', attachments })).attachments).toEqual([
      {
        kind: 'voice',
        mime: 'audio/ogg',
        size: 10,
        duration: 2,
        storage_key: 'w/m-0',
        playable_mime: 'audio/mp4',
      },
    ]);
  });
});
