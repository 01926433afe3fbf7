import { fromParams, searchRoute, toParams } from './search-query';

describe('search route query', () => {
  it('carries a search through the route and back', () => {
    const query = {
      q: 'کتاب "a phrase"',
      type: ['message' as const, 'note' as const],
      status: ['open' as const, 'pending' as const],
      channel_id: '6f1c1d8e-2c55-4a8d-9a43-3b0c6f4f2a10',
      label_id: '0b7e4a52-1d0c-4f3e-9c1a-2f6d8e9a7b31',
      assignee: 'me',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    };
    expect(fromParams(toParams(query).toString())).toEqual(query);
    expect(searchRoute({ q: 'a b' })).toBe('/search?q=a+b');
  });

  it('drops what it cannot read', () => {
    expect(fromParams('q=x&type=message,bogus&status=closed')).toEqual({
      q: 'x',
      type: ['message'],
      status: undefined,
      channel_id: undefined,
      label_id: undefined,
      assignee: undefined,
      from: undefined,
      to: undefined,
    });
  });
});
