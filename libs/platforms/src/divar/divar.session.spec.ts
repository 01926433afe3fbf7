import { completionUrlFor, divarCustomerIds, parseDivarSessionRequest } from './divar.session';

const COMPLETION = 'https://open-platform-redirect.divar.ir/completion';

describe('Divar session requests', () => {
  // The documented body (docs/management/ReadMe.md, docs/flow/touchpoints.md) and a button click's.
  it.each([
    [
      {
        post_token: 'gZd7omnS',
        conversation_id: 'c-1',
        user_side: 'Supply',
        source: 'CHAT',
        provider_data: {},
      },
      'supply',
    ],
    [
      {
        post_token: 'gZd7omnS',
        conversation_id: 'c-1',
        user_side: 'DEMAND',
        source: 'POST_ADDON',
        provider_data: {},
      },
      'demand',
    ],
    [
      {
        post_token: 'gZd7omnS',
        conversation_id: 'c-1',
        user_side: 'Demand',
        source: 'CHAT_MESSAGE_ACTION',
        provider_data: {},
        extra_data: { x: 1 },
        user_id: 'u-1',
        completion_url: COMPLETION,
      },
      'demand',
    ],
    [{ conversation_id: 'c-1' }, null],
  ])('reads %j', (body, side) => {
    expect(parseDivarSessionRequest(body)).toMatchObject({ conversationId: 'c-1', userSide: side });
  });

  it.each([
    [null, 'the body must be a JSON object'],
    [[], 'the body must be a JSON object'],
    [{ post_token: 'gZd7omnS' }, 'conversation_id'],
    [{ conversation_id: 'a b' }, 'conversation_id'],
    [{ conversation_id: 'c', post_token: '<x>' }, 'post_token'],
    [{ conversation_id: 'c', user_side: 'Buyer' }, 'user_side'],
    [{ conversation_id: 'c', user_side: 3 }, 'user_side'],
    [{ conversation_id: 'c', completion_url: 5 }, 'completion_url'],
  ])('refuses %j', (body, problem) => {
    expect(parseDivarSessionRequest(body)).toEqual({ problems: expect.stringContaining(problem) });
  });

  it('names a conversation’s customer as post: or bot:', () => {
    expect(divarCustomerIds('c-1')).toEqual({ post: 'post:c-1', bot: 'bot:c-1' });
  });

  it.each([
    [null, COMPLETION],
    [`${COMPLETION}?state=1`, `${COMPLETION}?state=1`],
    ['https://evil.example/completion', COMPLETION],
    ['https://open-platform-redirect.divar.ir.evil.example/', COMPLETION],
    ['http://open-platform-redirect.divar.ir/completion', COMPLETION],
    ['https://u:p@open-platform-redirect.divar.ir/completion', COMPLETION],
    ['javascript:alert(1)', COMPLETION],
    ['//evil.example', COMPLETION],
    [`${COMPLETION}?${'x'.repeat(600)}`, COMPLETION],
  ])('returns the customer from %s to %s', (requested, expected) => {
    expect(completionUrlFor(requested, COMPLETION)).toBe(expected);
  });
});
