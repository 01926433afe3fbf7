import { AppError } from '@parley/errors/app-error';
import { checkCard } from './app-card';

const app = { id: 'k1', name: 'Shop' };
const rules = { allowHttp: false, allowLoopbackHttp: false };
const outcome = (input: unknown) => {
  try {
    return checkCard(input, app, rules);
  } catch (error) {
    return `${(error as AppError).code}: ${String((error as AppError).params.reason)}`;
  }
};

describe('checkCard', () => {
  it('keeps a full card, cleaned of control and invisible characters', () => {
    expect(
      outcome({
        title: ' Order #1042\u0007 ',
        text: 'Shipped\u202E today',
        fields: [{ label: 'Total', value: '€42' }],
        url: 'https://shop.example.com/orders/1042',
      }),
    ).toEqual({
      title: 'Order #1042',
      text: 'Shipped today',
      fields: [{ label: 'Total', value: '€42' }],
      url: 'https://shop.example.com/orders/1042',
      app,
    });
    expect(outcome({ title: 'Only a title' })).toEqual({
      title: 'Only a title',
      text: null,
      fields: [],
      url: null,
      app,
    });
  });

  it.each([
    [null, 'a JSON object is required'],
    [[], 'a JSON object is required'],
    [{}, 'title is required'],
    [{ title: '  \u0000 ' }, 'title is required'],
    [{ title: 42 }, 'title must be text'],
    [{ title: 'x'.repeat(201) }, 'title is longer than 200 characters'],
    [{ title: 't', text: 'x'.repeat(2001) }, 'text is longer than 2000 characters'],
    [{ title: 't', fields: 'a' }, 'fields must be a list'],
    [{ title: 't', fields: Array(11).fill({ label: 'a', value: 'b' }) }, 'at most 10 fields'],
    [{ title: 't', fields: [{ label: '', value: 'b' }] }, 'field 1 label is required'],
    [
      { title: 't', fields: [{ label: 'a', value: 'x'.repeat(501) }] },
      'field 1 value is longer than 500 characters',
    ],
    [{ title: 't', url: 'javascript:alert(1)' }, 'url: only https URLs'],
    [{ title: 't', url: 'http://shop.example.com' }, 'url: https is required'],
    [{ title: 't', url: 'https://a:b@shop.example.com' }, 'url: credentials in the URL are not allowed'],
    [{ title: '\uD800' }, 'title is not valid UTF-8 text'],
  ])('refuses %j', (input, reason) => {
    expect(outcome(input)).toBe(`card_invalid: ${reason}`);
  });
});
