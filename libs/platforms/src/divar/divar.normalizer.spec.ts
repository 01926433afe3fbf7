import fc from 'fast-check';
import { garbled, outcomeOf, problemsOf } from '../testing/garbling';
import { divarEvents } from './fixtures/divar-events.fixture';
import { normalizeDivarEvent } from './divar.normalizer';

const only = (body: unknown) => {
  const events = normalizeDivarEvent(body);
  expect(events).toHaveLength(1);
  return events[0].event;
};
const ad = { post_token: 'gZd7omnS' };
const postUser = 'post:edbb9499-cccc-4d35-b21f-621fa95f2b3e';

describe('normalizeDivarEvent', () => {
  it.each([
    ['text', divarEvents.text, { content: 'hello world', attachments: [] }],
    ['text with meta_data and sender HUMAN', divarEvents.textMetaData, { content: 'سلام، هنوز موجوده؟' }],
    [
      'image',
      divarEvents.image,
      {
        content: '',
        attachments: [
          expect.objectContaining({
            kind: 'image',
            size: 204800,
            width: 1920,
            height: 1080,
            source: 'https://example.com/images/image1.jpg',
          }),
        ],
        media: [{ attachmentIndex: 0, source: 'https://example.com/images/image1.jpg' }],
      },
    ],
    [
      'file',
      divarEvents.file,
      { attachments: [expect.objectContaining({ kind: 'file', file_name: 'document.pdf', size: 1048576 })] },
    ],
    ['voice', divarEvents.voice, { attachments: [expect.objectContaining({ kind: 'voice', size: 512000 })] }],
    [
      'video',
      divarEvents.video,
      {
        attachments: [
          expect.objectContaining({ kind: 'video', source: 'https://example.com/videos/video.mp4' }),
        ],
        media: [{ attachmentIndex: 0, source: 'https://example.com/videos/video.mp4' }],
      },
    ],
    [
      'location',
      divarEvents.location,
      {
        attachments: [
          expect.objectContaining({ kind: 'location', latitude: 35.6892, longitude: 51.389, source: null }),
        ],
        media: [],
      },
    ],
    [
      'contact',
      divarEvents.contact,
      {
        attachments: [
          expect.objectContaining({ kind: 'contact', phone: '+989123456789', file_name: 'Sample Name' }),
        ],
        media: [],
        sharedPhone: null,
      },
    ],
  ])('a %s message on an ad is the conversation’s customer message, with its ad', (_name, body, expected) => {
    const event = only(body);
    expect(event).toMatchObject({
      kind: 'message',
      platformUserId: postUser,
      externalId: (body as unknown as { new_message: { id: string } }).new_message.id,
      conversationAd: ad,
      profile: null,
      replyToExternalId: null,
      ...expected,
    });
  });

  it('a chatbot message belongs to the bot conversation and has no ad', () => {
    expect(only(divarEvents.chatbot)).toMatchObject({
      kind: 'message',
      platformUserId: 'bot:a1b2c3d4-bot-conversation',
      externalId: '9f1c2d3e-1111-2222-3333-444455556666',
      content: '/start MY_POST gZd7omnS',
      conversationAd: null,
    });
  });

  it('the business’s own message (side SELLER) is not a customer message, and not stored (Divar gives our sends no id to tell them apart)', () => {
    expect(only(divarEvents.seller)).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining('e7a08a2c-8ee4-11ef-af85-4e9e9bfa3c14'),
    });
  });

  it('the chatbot’s own message (sender BOT, no side) is not a customer message', () => {
    const body = {
      ...divarEvents.chatbot,
      new_chatbot_message: { ...divarEvents.chatbot.new_chatbot_message, sender: { type: 'BOT' } },
    };
    expect(only(body).kind).toBe('ignored');
  });

  it('a revocation notice takes the grant back', () => {
    expect(only(divarEvents.revocation)).toEqual({ kind: 'access_revoked', reason: expect.any(String) });
  });

  it('events Parley does not act on are acknowledged and ignored', () => {
    expect(only(divarEvents.postUpdate)).toEqual({ kind: 'ignored', reason: 'a POST_UPDATE event' });
  });

  it.each([
    ['NEW_MESSAGE without its message', { type: 'NEW_MESSAGE', metadata: {} }],
    [
      'a message without an id',
      {
        type: 'NEW_CHATBOT_MESSAGE',
        new_chatbot_message: { conversation: { id: 'c' }, type: 'TEXT', text: 'x' },
      },
    ],
    [
      'a location without numbers',
      {
        type: 'NEW_MESSAGE',
        new_message: {
          id: 'm',
          conversation: { id: 'c' },
          type: 'LOCATION',
          location_data: { latitude: 'north' },
        },
      },
    ],
  ])('%s is not Divar’s shape (throws, so ingest answers 400)', (_name, body) => {
    expect(() => normalizeDivarEvent(body)).toThrow();
  });

  it('any one field of a documented event garbled: throws or yields a well-formed event', () => {
    fc.assert(
      fc.property(garbled(Object.values(divarEvents)), (body) => {
        const outcome = outcomeOf(() => normalizeDivarEvent(body));
        if (outcome.threw) return;
        for (const { event } of outcome.value) expect(problemsOf(event)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
