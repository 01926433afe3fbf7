import { languageOfText } from './written-language';

describe('the language a customer writes in', () => {
  it.each([
    ['سلام، سفارشم کی می‌رسد؟', 'fa'],
    ['پاسخ سریع بود', 'fa'],
    ['مرحبا، أين طلبي؟', 'ar'],
    ['شكرا جزيلا', 'ar'],
    ['where is my parcel?', 'en'],
    ['👍 123', null],
    ['', null],
  ])('%j reads as %j', (text, language) => {
    expect(languageOfText(text)).toBe(language);
  });
});
