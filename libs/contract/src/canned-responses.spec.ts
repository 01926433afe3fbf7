import { renderCanned } from './canned-responses';

describe('filling a canned reply', () => {
  const values = {
    'contact.name': 'Nasrin',
    'contact.phone': '+989121234567',
    'agent.name': 'Sara',
    'conversation.id': 'c-1',
  };

  it.each([
    ['Hi {{contact.name}}', 'Hi Nasrin', []],
    ['{{ agent.name }} · {{AGENT.NAME}}', 'Sara · Sara', []],
    ['Call {{contact.phone}} about #{{conversation.id}}', 'Call +989121234567 about #c-1', []],
    ['Total {{order.total}}', 'Total {{order.total}}', ['order.total']],
    ['{{constructor}} {{__proto__}}', '{{constructor}} {{__proto__}}', ['constructor', '__proto__']],
    ['{{contact.name', '{{contact.name', []],
    ['سلام {{contact.name}}، {{agent.name}} هستم', 'سلام Nasrin، Sara هستم', []],
  ])('%s → %s', (content, expected, missing) => {
    expect(renderCanned(content, values)).toEqual({ content: expected, missing });
  });

  it('never reads a value as a template again', () => {
    const rendered = renderCanned('Hi {{contact.name}}', { ...values, 'contact.name': '{{agent.name}} $& $1' });
    expect(rendered.content).toBe('Hi {{agent.name}} $& $1');
  });

  it('leaves a variable without a value visible and names it', () => {
    expect(renderCanned('Call {{contact.phone}}', { 'contact.phone': null })).toEqual({
      content: 'Call {{contact.phone}}',
      missing: ['contact.phone'],
    });
  });
});
