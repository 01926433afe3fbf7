import fc from 'fast-check';
import type { PlatformInbound } from '../inbound';
import { outcomeOf, problemsOf } from '../testing/garbling';
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
  ...fields,
});

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
      'a reply to a story keeps the text and points at no message',
      fixture.replyToStory,
      message({ externalId: mid(8), content: 'Is this still available?' }),
    ],
    [
      'a quick reply is its text',
      fixture.quickReply,
      message({ externalId: mid(9), content: 'Track my order' }),
    ],
    ['an echo of our own send is recognised by mid', fixture.echo, { kind: 'echo', externalId: mid(10) }],
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
    ['a story mention', fixture.storyMention, /nothing we can show/],
    ['a shared reel', fixture.reel, /nothing we can show/],
    ['a postback (Parley sends no buttons)', fixture.postback, /without message/],
    ['a referral', fixture.referral, /without message/],
    ['a message edit (Meta: Messenger only)', fixture.messageEdit, /without message/],
  ])('ignores %s, saying why', (_name, body, reason) => {
    expect(only(body)).toEqual({ kind: 'ignored', reason: expect.stringMatching(reason) });
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
