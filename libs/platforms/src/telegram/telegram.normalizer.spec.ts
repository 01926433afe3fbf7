import fc from 'fast-check';
import type { Update } from 'grammy/types';
import type { PlatformInbound } from '../inbound';
import { garbled, outcomeOf, problemsOf } from '../testing/garbling';
import * as fixture from './fixtures/telegram-updates.fixture';
import { normalizeTelegramUpdate, telegramExternalId, TelegramUpdate } from './telegram.normalizer';

const normalize = (update: Update) => normalizeTelegramUpdate(update as unknown as TelegramUpdate);
const SARA = '5512733901';
const id = (messageId: number) => `${SARA}:${messageId}`;
const profile = { name: 'Sara Rahimi', username: 'sara_r' };
const file = { size: null, duration: null, storage_key: null };

/** A customer's message as the domain receives it, from the parts that differ per case. */
const message = (fields: Partial<Extract<PlatformInbound, { kind: 'message' }>>) => ({
  kind: 'message',
  platformUserId: SARA,
  profile,
  content: '',
  attachments: [],
  media: [],
  sharedPhone: null,
  replyToExternalId: null,
  ...fields,
});

describe('normalizeTelegramUpdate: documented updates', () => {
  it.each<[string, Update, object]>([
    [
      'a text reply in a private chat',
      fixture.textReply,
      message({
        externalId: id(1042),
        content: 'Is my order 1024 on its way?',
        replyToExternalId: id(1040),
      }),
    ],
    [
      'a photo: the largest size (the last), as JPEG, its caption as text',
      fixture.photoWithCaption,
      message({
        externalId: id(1043),
        content: 'The box arrived like this',
        attachments: [
          {
            ...file,
            kind: 'image',
            mime: 'image/jpeg',
            size: 88_506,
            source: 'AgACAgQAAxkBAAIEE2ZpS-large',
            width: 1280,
            height: 960,
          },
        ],
        media: [{ attachmentIndex: 0, source: 'AgACAgQAAxkBAAIEE2ZpS-large' }],
      }),
    ],
    [
      'a voice note with its duration and MIME type',
      fixture.voice,
      message({
        externalId: id(1044),
        attachments: [
          {
            ...file,
            kind: 'voice',
            mime: 'audio/ogg',
            size: 26_304,
            duration: 7,
            source: 'AwACAgQAAxkBAAIEFGZpTvoice',
          },
        ],
        media: [{ attachmentIndex: 0, source: 'AwACAgQAAxkBAAIEFGZpTvoice' }],
      }),
    ],
    [
      'a voice note without mime_type is OGG (the only voice format Telegram shows)',
      fixture.voiceWithoutMime,
      message({
        externalId: id(1045),
        attachments: [
          { ...file, kind: 'voice', mime: 'audio/ogg', duration: 3, source: 'AwACAgQAAxkBAAIEFWZpTvoice2' },
        ],
        media: [{ attachmentIndex: 0, source: 'AwACAgQAAxkBAAIEFWZpTvoice2' }],
      }),
    ],
    [
      'an audio file keeps its name',
      fixture.audio,
      message({
        externalId: id(1046),
        attachments: [
          {
            ...file,
            kind: 'audio',
            mime: 'audio/mpeg',
            size: 2_945_113,
            duration: 184,
            file_name: 'jingle.mp3',
            source: 'CQACAgQAAxkBAAIEFmZpTaudio',
          },
        ],
        media: [{ attachmentIndex: 0, source: 'CQACAgQAAxkBAAIEFmZpTaudio' }],
      }),
    ],
    [
      'a document with a caption',
      fixture.document,
      message({
        externalId: id(1047),
        content: 'Invoice attached',
        attachments: [
          {
            ...file,
            kind: 'file',
            mime: 'application/pdf',
            size: 51_200,
            file_name: 'invoice-1024.pdf',
            source: 'BQACAgQAAxkBAAIEF2ZpTdocument',
          },
        ],
        media: [{ attachmentIndex: 0, source: 'BQACAgQAAxkBAAIEF2ZpTdocument' }],
      }),
    ],
    [
      'a video',
      fixture.video,
      message({
        externalId: id(1048),
        attachments: [
          {
            ...file,
            kind: 'video',
            mime: 'video/mp4',
            size: 1_048_576,
            duration: 12,
            source: 'BAACAgQAAxkBAAIEGGZpTvideo',
          },
        ],
        media: [{ attachmentIndex: 0, source: 'BAACAgQAAxkBAAIEGGZpTvideo' }],
      }),
    ],
    [
      'an animation is stored once, through the document Telegram sets beside it',
      fixture.animation,
      message({
        externalId: id(1049),
        attachments: [
          {
            ...file,
            kind: 'file',
            mime: 'video/mp4',
            size: 80_000,
            file_name: 'thumbs-up.mp4',
            source: 'CgACAgQAAxkBAAIEGWZpTanimation',
          },
        ],
        media: [{ attachmentIndex: 0, source: 'CgACAgQAAxkBAAIEGWZpTanimation' }],
      }),
    ],
    [
      'a static sticker is WEBP, its emoji the text',
      fixture.stickerStatic,
      message({
        externalId: id(1050),
        content: '👍',
        attachments: [
          {
            ...file,
            kind: 'sticker',
            mime: 'image/webp',
            size: 24_112,
            source: 'CAACAgIAAxkBAAIEGmZpTstatic',
          },
        ],
        media: [{ attachmentIndex: 0, source: 'CAACAgIAAxkBAAIEGmZpTstatic' }],
      }),
    ],
    [
      'a location has coordinates and nothing to download',
      fixture.location,
      message({
        externalId: id(1053),
        attachments: [
          {
            ...file,
            kind: 'location',
            mime: null,
            source: null,
            latitude: 35.699_739,
            longitude: 51.338_097,
          },
        ],
      }),
    ],
    [
      'a venue arrives as its location',
      fixture.venue,
      message({
        externalId: id(1054),
        attachments: [
          { ...file, kind: 'location', mime: null, source: null, latitude: 35.757_5, longitude: 51.41 },
        ],
      }),
    ],
    [
      "the customer's own contact: its phone is the customer's",
      fixture.contactOwn,
      message({
        externalId: id(1055),
        attachments: [
          {
            ...file,
            kind: 'contact',
            mime: null,
            source: null,
            phone: '989121234567',
            file_name: 'Sara Rahimi',
          },
        ],
        sharedPhone: '989121234567',
      }),
    ],
    [
      "another Telegram user's contact is shown but is not the customer's phone",
      fixture.contactOfAnotherUser,
      message({
        externalId: id(1056),
        attachments: [
          { ...file, kind: 'contact', mime: null, source: null, phone: '+989351112233', file_name: 'Reza' },
        ],
        sharedPhone: null,
      }),
    ],
    [
      "a contact without a Telegram user (from the address book) is not the customer's phone",
      fixture.contactWithoutUserId,
      message({
        externalId: id(1057),
        attachments: [
          {
            ...file,
            kind: 'contact',
            mime: null,
            source: null,
            phone: '+44 7911 123456',
            file_name: 'Plumber',
          },
        ],
        sharedPhone: null,
      }),
    ],
    [
      'an edited text: the new text for the same chat-scoped id',
      fixture.editedText,
      { kind: 'edit', externalId: id(1042), content: 'Is my order 1042 on its way?' },
    ],
    [
      'an edited caption: the new caption',
      fixture.editedCaption,
      { kind: 'edit', externalId: id(1043), content: 'The box arrived crushed' },
    ],
  ])('%s', (_name, update, expected) => {
    expect(normalize(update)).toEqual(expected);
  });

  it.each<[string, Update, RegExp]>([
    ['a group message', fixture.groupMessage, /supergroup chat/],
    ['an edit in a group', fixture.groupEdit, /group chat/],
    ['a channel post', fixture.channelPost, /without a message/],
    ['a message from another bot', fixture.fromBot, /bot/],
    ['a reaction update (not in allowed_updates)', fixture.messageReaction, /without a message/],
    ['a button press', fixture.callbackQuery, /without a message/],
    ['a dice (nothing to show)', fixture.dice, /nothing we can show/],
    ['a live location moving (no text was edited)', fixture.liveLocationMoved, /live location/],
  ])('ignores %s, saying why', (_name, update, reason) => {
    const event = normalize(update);
    expect(event).toEqual({ kind: 'ignored', reason: expect.stringMatching(reason) });
  });
});

describe('normalizeTelegramUpdate: presses of our inline buttons', () => {
  it('a press under our message is the customer saying its caption, with the button, the press id to acknowledge and the message it answers', () => {
    const update = fixture.callbackQueryOnOurMessage;
    const chat = update.callback_query.message.chat.id;
    expect(normalize(update)).toMatchObject({
      kind: 'message',
      platformUserId: String(update.callback_query.from.id),
      externalId: `${chat}:press:${update.callback_query.id}`,
      content: 'Order status',
      attachments: [],
      button: { payload: 'order_status', caption: 'Order status' },
      pressAck: update.callback_query.id,
      replyToExternalId: `${chat}:1071`,
    });
  });

  it('a press whose data no button of the keyboard carries is named by its data', () => {
    const update = structuredClone(fixture.callbackQueryOnOurMessage);
    update.callback_query.data = 'gone';
    expect(normalize(update)).toMatchObject({ content: 'gone', button: { payload: 'gone', caption: 'gone' } });
  });
});

describe('telegramExternalId', () => {
  it.each([
    [5_512_733_901, 1042, '5512733901:1042'],
    ['5512733901', '7', '5512733901:7'],
    // Group and channel ids are negative; the id stays unambiguous.
    [-1_001_234_567_890, 77, '-1001234567890:77'],
  ])('(%p, %p) → %s', (chat, message, expected) => {
    expect(telegramExternalId(chat, message)).toBe(expected);
  });

  it('one message_id in two chats gives two ids', () => {
    expect(telegramExternalId(1, 5)).not.toBe(telegramExternalId(2, 5));
  });
});

describe('normalizeTelegramUpdate: unknown and garbled input', () => {
  const documented: Update[] = Object.values(fixture);

  it.each<[string, unknown]>([
    ['an update of a kind added later', { update_id: 1, business_message_v9: { anything: true } }],
    ['an empty update', { update_id: 1 }],
    [
      'a message of a content type added later',
      { update_id: 1, message: { ...fixture.textReply.message, text: undefined, rich_message: {} } },
    ],
  ])('ignores %s without throwing', (_name, update) => {
    expect(normalizeTelegramUpdate(update as unknown as TelegramUpdate)).toMatchObject({ kind: 'ignored' });
  });

  it.each<[string, object]>([
    ['a text that is a number', { text: 5 }],
    ['a caption that is an object', { caption: { text: 'x' } }],
    ['a sender without an id', { from: { first_name: 'Sara' } }],
    ['a chat id in a string', { chat: { id: '5512733901', type: 'private' } }],
    ['no message_id', { message_id: undefined }],
    ['a shared phone that is a number', { contact: { phone_number: 989121234567, first_name: 'Sara' } }],
    ['a photo size without a file id', { photo: [{ width: 90, height: 90 }] }],
  ])('refuses a message with %s (ingest answers 400) rather than pass it on', (_name, change) => {
    const update = { update_id: 1, message: { ...fixture.textReply.message, ...change } };
    expect(() => normalizeTelegramUpdate(JSON.parse(JSON.stringify(update)))).toThrow();
  });

  it('a documented update with any one field changed or dropped is refused (a throw) or well formed', () => {
    fc.assert(
      fc.property(garbled(documented), (update) => {
        const outcome = outcomeOf(() => normalize(update));
        if (outcome.threw) return;
        const event = outcome.value;
        expect(problemsOf(event)).toEqual([]);
        // A message's id is <chat>:<message id>; a press's <chat>:press:<callback query id>.
        if (event.kind === 'message' || event.kind === 'edit')
          expect(event.externalId).toMatch(/^-?\d+:(\d+|press:.+)$/);
        if (event.kind === 'message') expect(event.platformUserId).toMatch(/^\d+$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('any JSON at all is refused (a throw) or well formed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.jsonValue().map((message) => ({ update_id: 1, message })),
          fc.jsonValue().map((edited_message) => ({ update_id: 1, edited_message })),
        ),
        (update) => {
          const outcome = outcomeOf(() => normalizeTelegramUpdate(update as unknown as TelegramUpdate));
          if (!outcome.threw) expect(problemsOf(outcome.value)).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
