import type { Page } from 'playwright-core';
import { eventually } from './ws';

/**
 * The media side of a call in a browser test, read from the data attributes a call shows of its
 * connection: the dashboard's call view, or the call page's root (a customer's or a visitor's).
 */

/** What a call view (or the call page's root) shows of its connection. */
export interface Ice {
  local: string;
  remote: string;
  restarts: number;
  bytes: number;
}

export type NetworkEvent = 'online' | 'connection change';
/** One side of a call: a dashboard's call view, or the customer's call page. */
export interface Party {
  page: Page;
  selector: string;
}
export const agentSide = (page: Page): Party => ({ page, selector: '[data-testid="call-view"]' });
export const customerSide = (page: Page): Party => ({ page, selector: '#call-app' });
export const viewOf = (party: Party) => party.page.locator(party.selector);

export const iceOf = async (party: Party): Promise<Ice> => {
  const read = async (name: string) => (await viewOf(party).getAttribute(name, { timeout: 2000 })) ?? '';
  return {
    local: await read('data-ice-ufrag-local'),
    remote: await read('data-ice-ufrag-remote'),
    restarts: Number(await read('data-ice-restarts')),
    bytes: Number(await read('data-bytes-received')),
  };
};
/** Remembers in the page whether `data-reconnecting` was ever "true" on the view (it may last an instant). */
const watchReconnecting = (party: Party) =>
  party.page.evaluate(`(() => {
    const element = document.querySelector(${JSON.stringify(party.selector)});
    element.removeAttribute('data-saw-reconnecting');
    new MutationObserver((records) => {
      const values = [element.getAttribute('data-reconnecting'), ...records.map((r) => r.oldValue)];
      if (values.includes('true')) element.setAttribute('data-saw-reconnecting', '');
    }).observe(element, { attributes: true, attributeOldValue: true, attributeFilter: ['data-reconnecting'] });
  })()`);
/** Both sides hear each other: received bytes grow on both past what they were. */
export const audioFlows = async (a: Party, b: Party) => {
  const before = { a: (await iceOf(a)).bytes, b: (await iceOf(b)).bytes };
  await eventually(async () => {
    expect((await iceOf(a)).bytes).toBeGreaterThan(before.a);
    expect((await iceOf(b)).bytes).toBeGreaterThan(before.b);
  }, 20_000);
};
/**
 * Fires a network-change event in `a`'s page (`online` on window, or Chromium's
 * `navigator.connection` `change`), then waits for new ICE credentials on
 * both sides (each side's local ufrag is the other's remote one), the call view having said
 * "Reconnecting…" meanwhile, and audio flowing again both ways.
 */
export const networkChangeRestartsIce = async (a: Party, b: Party, event: NetworkEvent) => {
  const before = { a: await iceOf(a), b: await iceOf(b) };
  expect(before.a.local).not.toBe('');
  expect(before.a.local).toBe(before.b.remote);
  expect(before.b.local).toBe(before.a.remote);
  await watchReconnecting(a);
  await watchReconnecting(b);
  await a.page.evaluate(
    event === 'online'
      ? "window.dispatchEvent(new Event('online'))"
      : "navigator.connection.dispatchEvent(new Event('change'))",
  );
  await eventually(async () => {
    const after = { a: await iceOf(a), b: await iceOf(b) };
    expect(after.a.local).not.toBe(before.a.local);
    expect(after.a.remote).not.toBe(before.a.remote);
    expect(after.b.local).not.toBe(before.b.local);
    expect(after.b.remote).not.toBe(before.b.remote);
    expect(after.a.local).toBe(after.b.remote);
    expect(after.b.local).toBe(after.a.remote);
    expect(after.a.restarts).toBe(before.a.restarts + 1);
    expect(after.b.restarts).toBe(before.b.restarts + 1);
  }, 15_000);
  await eventually(async () => {
    expect(await viewOf(a).getAttribute('data-reconnecting')).toBe('false');
    expect(await viewOf(b).getAttribute('data-reconnecting')).toBe('false');
  }, 15_000);
  expect(await viewOf(a).getAttribute('data-saw-reconnecting')).toBe('');
  expect(await viewOf(b).getAttribute('data-saw-reconnecting')).toBe('');
  await audioFlows(a, b);
};
