import { firstNameOf, sendResultOf } from './message.presenter';

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
});
