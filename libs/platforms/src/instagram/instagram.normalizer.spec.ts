import fc from 'fast-check';
import type { PlatformInbound } from '../inbound';
import { garbled, outcomeOf, problemsOf } from '../testing/garbling';
import * as fixture from './fixtures/instagram-webhooks.fixture';
import { ACCOUNT, CUSTOMER, mid } from './fixtures/instagram-webhooks.fixture';
import { InstagramWebhook, normalizeInstagramWebhook } from './instagram.normalizer';

const file = { mime: null, size: null, duration: null, storage_key: null };
const only = (body: InstagramWebhook) => {
  const events = normalizeInstagramWebhook(body);
  expect(events).toHaveLength(1);
  expect(events[0].accountId).toBe(ACCOUNT);
  return events[0].event;
};
const message = (fields: Partial<Extract<PlatformInbound, { kind: 'message' }>>) => ({
  kind: 'message',
  platformUserId: CUSTOMER,
  // Instagram's webhook names no one: the adapter asks the Graph API for a newcomer's profile.
  profile: null,
  content: '',
  attachments: [],
  media: [],
  sharedPhone: null,
  replyToExternalId: null,
  story: null,
  ...fields,
});
const CDN = expect.stringContaining('lookaside.fbsbx.com');

describe('normalizeInstagramWebhook: documented events', () => {
  it.each<[string, InstagramWebhook, object]>([
    ['a text', fixture.text, message({ externalId: mid(1), content: 'Do you ship to Shiraz?' })],
    [
      'image, audio (a voice note), video and file attachments, each fetched from its URL',
      fixture.attachments,
      message({
        externalId: mid(2),
        attachments: [
          { ...file, kind: 'image', source: expect.stringContaining('signature=img') },
          { ...file, kind: 'voice', source: expect.stringContaining('signature=aud') },
          { ...file, kind: 'video', source: expect.stringContaining('signature=vid') },
          { ...file, kind: 'file', source: expect.stringContaining('signature=doc') },
        ],
        media: [0, 1, 2, 3].map((attachmentIndex) => ({ attachmentIndex, source: expect.any(String) })),
      }),
    ],
    [
      'text and an image in one message',
      fixture.textAndImage,
      message({
        externalId: mid(3),
        content: 'this one',
        attachments: [{ ...file, kind: 'image', source: expect.stringContaining('asset_id=17895') }],
        media: [{ attachmentIndex: 0, source: expect.stringContaining('asset_id=17895') }],
      }),
    ],
    [
      'a reply to an earlier message points at it',
      fixture.replyToMessage,
      message({ externalId: mid(7), content: 'yes, that one', replyToExternalId: mid(1) }),
    ],
    [
      'a reply to a story keeps the text, names the story and fetches its preview from the CDN',
      fixture.replyToStory,
      message({
        externalId: mid(8),
        content: 'Is this still available?',
        attachments: [{ ...file, kind: 'image', source: CDN }],
        media: [{ attachmentIndex: 0, source: CDN }],
        story: { kind: 'reply', id: '3355111222333444555', url: CDN, preview: 0 },
      }),
    ],
    [
      'a story mention is shown with the story: its link and its preview from the CDN',
      fixture.storyMention,
      message({
        externalId: mid(5),
        attachments: [{ ...file, kind: 'image', source: CDN }],
        media: [{ attachmentIndex: 0, source: CDN }],
        story: { kind: 'mention', id: null, url: CDN, preview: 0 },
      }),
    ],
    [
      'a quick reply is its text, with the payload of the button tapped',
      fixture.quickReply,
      {
        ...message({ externalId: mid(9), content: 'Track my order' }),
        button: { payload: 'TRACK_ORDER', caption: 'Track my order' },
      },
    ],
    [
      'an echo (our send, or one typed in the Instagram app) carries its mid, the customer it went to and its text',
      fixture.echo,
      {
        kind: 'echo',
        externalId: mid(10),
        platformUserId: CUSTOMER,
        content: 'Yes, we ship everywhere in Iran',
        attachments: [],
        media: [],
        senderPlatformId: ACCOUNT,
      },
    ],
    [
      "an echo of an image sent from the Instagram app fetches the image like a customer's",
      fixture.echoImage,
      {
        kind: 'echo',
        externalId: mid(13),
        platformUserId: CUSTOMER,
        content: '',
        attachments: [{ ...file, kind: 'image', source: CDN }],
        media: [{ attachmentIndex: 0, source: CDN }],
        senderPlatformId: ACCOUNT,
      },
    ],
    ['an unsend', fixture.unsend, { kind: 'unsend', externalId: mid(1) }],
    [
      'a reaction, with its emoji',
      fixture.react,
      { kind: 'reaction', platformUserId: CUSTOMER, externalId: mid(10), emoji: '❤️', action: 'add' },
    ],
    [
      'an unreact (which names no emoji) takes the reaction back',
      fixture.unreact,
      {
        kind: 'reaction',
        platformUserId: CUSTOMER,
        externalId: mid(10),
        emoji: expect.any(String),
        action: 'remove',
      },
    ],
    ['seen', fixture.seen, { kind: 'read', platformUserId: CUSTOMER, externalId: mid(10) }],
  ])('%s', (_name, body, expected) => {
    expect(only(body)).toEqual(expected);
  });

  it.each<[string, InstagramWebhook, RegExp]>([
    ['an unsupported media type', fixture.unsupported, /nothing we can show/],
    ['a shared post (no file of ours to show)', fixture.share, /nothing we can show/],
    ['an echo that names no recipient', fixture.echoWithoutRecipient, /names no recipient/],
    ['a shared reel', fixture.reel, /nothing we can show/],
    ['a postback (Parley sends no buttons)', fixture.postback, /without message/],
    ['a referral', fixture.referral, /without message/],
    ['a message edit (Meta: Messenger only)', fixture.messageEdit, /without message/],
  ])('ignores %s, saying why', (_name, body, reason) => {
    expect(only(body)).toEqual({ kind: 'ignored', reason: expect.stringMatching(reason) });
  });

  it.each<[string, string]>([
    ['javascript:', 'javascript:alert(document.domain)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', '/stories/1'],
  ])('a story link that is %s is neither offered as a link nor fetched as a preview', (_name, url) => {
    const body = fixture.delivery({
      sender: { id: CUSTOMER },
      recipient: { id: ACCOUNT },
      timestamp: 1,
      message: { mid: mid(40), text: 'nice', reply_to: { story: { url, id: '1' } } },
    });
    const event = only(body) as Extract<PlatformInbound, { kind: 'message' }>;
    expect(event.story).toEqual({ kind: 'reply', id: '1', url: null, preview: null });
    expect(event.media).toEqual([]);
    expect(event.content).toBe('nice');
  });

  it('a batched delivery yields every event with the account it arrived for, in order', () => {
    expect(normalizeInstagramWebhook(fixture.batch)).toEqual([
      { accountId: ACCOUNT, event: message({ externalId: mid(20), content: 'first' }) },
      { accountId: ACCOUNT, event: { kind: 'read', platformUserId: CUSTOMER, externalId: mid(10) } },
      {
        accountId: '17841400000000999',
        event: message({ platformUserId: '990011', externalId: mid(21), content: 'second account' }),
      },
    ]);
  });

  it.each<[string, unknown]>([
    ['another object (a Page)', fixture.pageObject],
    ['a comments change (no messaging)', fixture.comment],
    ['no entry at all', { object: 'instagram' }],
    ['an entry without messaging', { object: 'instagram', entry: [{ id: ACCOUNT, time: 1 }] }],
  ])('yields nothing for %s', (_name, body) => {
    expect(normalizeInstagramWebhook(body as unknown as InstagramWebhook)).toEqual([]);
  });
});

describe('normalizeInstagramWebhook: garbled input', () => {
  const fromCustomer = { sender: { id: CUSTOMER }, recipient: { id: ACCOUNT }, timestamp: 1_569_262_485_349 };
  it.each<[string, unknown]>([
    ['a message without mid', { ...fromCustomer, message: { text: 'hi' } }],
    ['a text that is a number', { ...fromCustomer, message: { mid: mid(30), text: 5 } }],
    [
      'an attachment URL that is not a string',
      { ...fromCustomer, message: { mid: mid(31), attachments: [{ type: 'image', payload: { url: 7 } }] } },
    ],
    ['a reaction without mid', { ...fromCustomer, reaction: { action: 'react', emoji: '❤️' } }],
    ['a reaction with an unknown action', { ...fromCustomer, reaction: { mid: mid(10), action: 'like' } }],
    ["a read in Messenger's watermark form", { ...fromCustomer, read: { watermark: 1_458_668_856_253 } }],
    ['no sender', { recipient: { id: ACCOUNT }, message: { mid: mid(32), text: 'who?' } }],
    ['a sender id that is a number', { ...fromCustomer, sender: { id: 1254459154682919 } }],
    ['null', null],
  ])('ignores an event it cannot read (%s), and the rest of the delivery still counts', (_name, bad) => {
    const body = {
      object: 'instagram',
      entry: [
        {
          id: ACCOUNT,
          time: 1,
          messaging: [bad, { ...fromCustomer, message: { mid: mid(33), text: 'ok' } }],
        },
      ],
    };
    expect(normalizeInstagramWebhook(body)).toEqual([
      { accountId: ACCOUNT, event: { kind: 'ignored', reason: expect.stringMatching(/cannot read/) } },
      { accountId: ACCOUNT, event: message({ externalId: mid(33), content: 'ok' }) },
    ]);
  });

  it('an attachment type named like a built-in property is not an attachment', () => {
    const body = fixture.delivery({
      ...fromCustomer,
      message: { mid: mid(34), attachments: [{ type: 'constructor', payload: { url: 'https://x' } }] },
    });
    expect(only(body)).toEqual({ kind: 'ignored', reason: expect.stringMatching(/nothing we can show/) });
  });

  it.each<[string, unknown]>([
    ['entry that is not a list', { object: 'instagram', entry: {} }],
    ['an entry without an account id', { object: 'instagram', entry: [{ messaging: [] }] }],
    ['messaging that is not a list', { object: 'instagram', entry: [{ id: ACCOUNT, messaging: 'x' }] }],
    ['no object', { entry: [] }],
  ])('refuses a delivery whose envelope is unreadable (%s): ingest answers 400', (_name, body) => {
    expect(() => normalizeInstagramWebhook(body)).toThrow();
  });

  const documented = [
    fixture.text,
    fixture.attachments,
    fixture.replyToMessage,
    fixture.echo,
    fixture.echoImage,
    fixture.replyToStory,
    fixture.storyMention,
    fixture.unsend,
    fixture.react,
    fixture.unreact,
    fixture.seen,
    fixture.batch,
  ];

  it('a documented delivery with any one field changed or dropped is refused (a throw) or well formed', () => {
    fc.assert(
      fc.property(garbled(documented), (body) => {
        const outcome = outcomeOf(() => normalizeInstagramWebhook(body));
        if (outcome.threw) return;
        for (const { accountId, event } of outcome.value) {
          expect(typeof accountId === 'string' && accountId.length > 0).toBe(true);
          expect(problemsOf(event)).toEqual([]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('any JSON at all is refused (a throw) or well formed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc
            .jsonValue()
            .map((event) => ({ object: 'instagram', entry: [{ id: ACCOUNT, messaging: [event] }] })),
        ),
        (body) => {
          const outcome = outcomeOf(() => normalizeInstagramWebhook(body as unknown as InstagramWebhook));
          if (!outcome.threw) for (const { event } of outcome.value) expect(problemsOf(event)).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
