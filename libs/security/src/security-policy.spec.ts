import { patchOverrides, policyChanges, SecurityPolicy } from './security-policy.service';

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

describe('what a policy change changed', () => {
  const before: SecurityPolicy = {
    spamDetection: true,
    rateLimiting: true,
    messagesPerMinute: 20,
    maxSocketsPerAgent: 5,
    spam: {
      burstMessages: 8,
      burstSeconds: 10,
      repeatsAllowed: 3,
      maxLinks: 5,
      maxMentions: 10,
      patterns: [],
    },
  };

  it('names each changed field as the API does, from what to what', () => {
    const after = { ...before, spamDetection: false, spam: { ...before.spam, patterns: ['x'] } };
    expect(policyChanges(before, after)).toEqual({
      spam_detection: { from: true, to: false },
      'spam.patterns': { from: [], to: ['x'] },
    });
  });

  it('is empty when nothing changed', () => {
    expect(policyChanges(before, { ...before, spam: { ...before.spam } })).toEqual({});
  });
});
