import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizePhone } from './phone';
import { looksLikeVCard, parseVCards } from './vcard.parser';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));
const card = (...lines: string[]) => Buffer.from(['BEGIN:VCARD', ...lines, 'END:VCARD', ''].join('\r\n'));

describe('parseVCards', () => {
  it('reads an Android 2.1 export: quoted-printable UTF-8 split by a soft break, Persian and Arabic digits, a photo skipped', () => {
    const entries = parseVCards(fixture('android-2.1.vcf'));
    expect(entries).toEqual([
      { index: 1, name: 'علی رضایی', phones: ['۰۹۱۲ ۱۲۳ ۴۵۶۷', '021-8888-1234'], emails: [] },
      { index: 2, name: 'Omar Haddad', phones: ['+966 50 123 4567'], emails: ['omar@example.test'] },
      { index: 3, name: 'مريم العلي', phones: ['٠٥٠ ١٢٣ ٤٥٦٨'], emails: [] },
    ]);
    expect(entries[0].phones.map((p) => normalizePhone(p, 'IR'))).toEqual(['+989121234567', '+982188881234']);
    expect(normalizePhone(entries[2].phones[0], 'SA')).toBe('+966501234568');
  });

  it('reads an iPhone 3.0 export: grouped TEL with several types, escapes, folded lines, the cell number first', () => {
    const entries = parseVCards(fixture('ios-3.0.vcf'));
    expect(entries).toEqual([
      {
        index: 1,
        name: 'Zahra Karimi',
        phones: ['+98 (912) 765-4321', '+1 (415) 555-2671'],
        emails: ['zahra@example.test'],
      },
      {
        index: 2,
        name: 'Long Folded Name Over The Seventy Five Octet Line Length Of Rfc Two Four Two Six',
        phones: ['0912 000 1111'],
        emails: [],
      },
    ]);
  });

  it('reads an Outlook 2.1 export in Windows-1256, plain and quoted-printable, with bare TYPE parameters', () => {
    const [sara] = parseVCards(fixture('outlook-2.1.vcf'));
    expect(sara).toEqual({
      index: 1,
      name: 'سارا محمدي',
      phones: ['09351234567', '(021) 4444 5555'],
      emails: ['sara@example.test'],
    });
  });

  it('reads 4.0 tel: URIs with quoted TYPE lists', () => {
    const [lena] = parseVCards(fixture('rfc6350-4.0.vcf'));
    expect(lena.phones.map((p) => normalizePhone(p, 'US'))).toEqual(['+14155550134', '+97141234567']);
    expect(lena).toMatchObject({ name: 'Lena Ng', emails: ['lena@example.test'] });
  });

  it('composes a name from N when FN is missing, then falls back to ORG', () => {
    expect(parseVCards(card('VERSION:3.0', 'N:Doe;Jane;Q;Dr.;', 'TEL:+14155552671'))[0].name).toBe(
      'Dr. Jane Q Doe',
    );
    expect(parseVCards(card('VERSION:3.0', 'ORG:Acme;Sales', 'TEL:+14155552671'))[0].name).toBe('Acme Sales');
    expect(parseVCards(card('VERSION:3.0', 'TEL:+14155552671'))[0].name).toBeNull();
  });

  it('stops at the limit, ignores text outside cards and a card never closed', () => {
    const many = Buffer.from(
      'garbage\r\n' +
        Array.from({ length: 5 }, (_, i) => `BEGIN:VCARD\r\nFN:N${i}\r\nEND:VCARD\r\n`).join('') +
        'BEGIN:VCARD\r\nFN:open',
    );
    expect(parseVCards(many).map((e) => e.name)).toEqual(['N0', 'N1', 'N2', 'N3', 'N4']);
    expect(parseVCards(many, 2)).toHaveLength(2);
  });

  it('survives hostile lines: no colon, an unknown charset, a lone = in quoted-printable', () => {
    const [entry] = parseVCards(
      card('VERSION:2.1', 'nonsense', 'FN;CHARSET=X-NOPE;ENCODING=QUOTED-PRINTABLE:A=ZZ=41', 'TEL;;;:'),
    );
    expect(entry).toEqual({ index: 1, name: 'A=ZZA', phones: [], emails: [] });
  });

  it('tells a vCard file from anything else', () => {
    expect(looksLikeVCard(Buffer.from('\uFEFF\r\nbegin:vcard\r\n'))).toBe(true);
    expect(looksLikeVCard(Buffer.from('name,phone\nA,1'))).toBe(false);
  });
});
