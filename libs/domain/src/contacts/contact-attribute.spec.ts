import { AppError } from '@parley/errors/app-error';
import { checkAttributeValue } from './contact-attribute.service';

const of = (type: 'text' | 'number' | 'date' | 'list') => ({ key: 'k', type, options: ['gold', 'silver'] });

describe('checkAttributeValue', () => {
  it.each([
    ['text', '  VIP  ', 'VIP'],
    ['number', 42.5, 42.5],
    ['date', '2024-02-29', '2024-02-29'],
    ['list', 'gold', 'gold'],
    ['text', null, null],
  ] as const)('a %s takes %p', (type, value, stored) => {
    expect(checkAttributeValue(of(type), value)).toBe(stored);
  });

  it.each([
    ['text', 12],
    ['text', 'x'.repeat(501)],
    ['number', '12'],
    ['number', Number.POSITIVE_INFINITY],
    ['date', '2023-02-29'],
    ['date', '29/02/2024'],
    ['list', 'bronze'],
    ['list', ['gold']],
  ] as const)('a %s refuses %p with contact_attribute_invalid', (type, value) => {
    expect(() => checkAttributeValue(of(type), value)).toThrow(AppError);
    try {
      checkAttributeValue(of(type), value);
    } catch (error) {
      expect((error as AppError).code).toBe('contact_attribute_invalid');
    }
  });
});
