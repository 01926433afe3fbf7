import { startApi, TestApi } from './support/app';
import { HttpClient } from './support/http';

describe('health', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers /healthz and /readyz without a token, reporting Postgres and Redis', async () => {
    const http = new HttpClient(api.url);
    expect((await http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
  });

  it('serves the OpenAPI document with the scripted routes', async () => {
    const doc = await new HttpClient(api.url).get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/message/conversation/{id}/send-message',
        '/api/v1/message/conversation/{id}/status',
        '/api/v1/conversations',
        '/api/v1/auth/signup',
      ]),
    );
  });
});
