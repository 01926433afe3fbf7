import { patchOverrides } from './security-policy.service';

describe('patching a workspace’s security overrides', () => {
  it('keeps what the patch leaves out, replaces what it sets, and drops what it nulls', () => {
    const current = { messagesPerMinute: 40, maxSocketsPerAgent: 8, spam: { maxLinks: 2, patterns: ['x'] } };
    expect(
      patchOverrides(current, { messagesPerMinute: null, spam: { maxLinks: null, maxMentions: 3 } }),
    ).toEqual({ maxSocketsPerAgent: 8, spam: { patterns: ['x'], maxMentions: 3 } });
  });

  it('removes the spam overrides once none is left', () => {
    expect(patchOverrides({ spam: { maxLinks: 2 } }, { spam: { maxLinks: null } })).toEqual({});
  });

  it('does not change the stored object', () => {
    const current = { messagesPerMinute: 40 };
    patchOverrides(current, { messagesPerMinute: 10 });
    expect(current).toEqual({ messagesPerMinute: 40 });
  });
});
