import { AppError } from '@parley/errors/app-error';
import { parseMapping, readCsv } from './contact-import.service';
import { guardCell } from './contact-export.service';

const code = async (run: () => unknown) => {
  try {
    await run();
  } catch (error) {
    return (error as AppError).code;
  }
  return null;
};

describe('readCsv', () => {
  it('reads the columns a mapping names, whatever their order and case', async () => {
    const csv = Buffer.from('\uFEFFMail,Full Name,Mobile\nali@example.test,"Ali, Jr.",0912 444 1010\n');
    expect(await readCsv(csv, { name: 'full name', phone: 'MOBILE', email: 'Mail' }, 10)).toEqual([
      { index: 1, name: 'Ali, Jr.', username: null, phones: ['0912 444 1010'], emails: ['ali@example.test'] },
    ]);
  });

  it('recognises a Google export without a mapping: the value column, not the type; several numbers in one cell', async () => {
    const csv = Buffer.from(
      'Name,Phone 1 - Type,Phone 1 - Value,E-mail 1 - Value\nSara,Mobile,+98 912 000 0001 ::: 021 8888 1234,sara@example.test\n',
    );
    expect(await readCsv(csv, null, 10)).toEqual([
      {
        index: 1,
        name: 'Sara',
        username: null,
        phones: ['+98 912 000 0001', '021 8888 1234'],
        emails: ['sara@example.test'],
      },
    ]);
  });

  it('recognises Persian and Arabic headers', async () => {
    const [fa] = await readCsv(Buffer.from('نام,موبایل\nعلی,۰۹۱۲۱۲۳۴۵۶۷\n'), null, 10);
    expect(fa).toMatchObject({ name: 'علی', phones: ['۰۹۱۲۱۲۳۴۵۶۷'] });
    const [ar] = await readCsv(Buffer.from('الاسم,الهاتف\nمريم,٠٥٠١٢٣٤٥٦٧\n'), null, 10);
    expect(ar).toMatchObject({ name: 'مريم', phones: ['٠٥٠١٢٣٤٥٦٧'] });
  });

  it("undoes the export's formula guard, and stops at the limit", async () => {
    const csv = Buffer.from(`name,phone\n'=cmd,'+14155552671\nB,+14155552672\nC,+14155552673\n`);
    const entries = await readCsv(csv, null, 2);
    expect(entries.map((e) => [e.name, e.phones[0]])).toEqual([
      ['=cmd', '+14155552671'],
      ['B', '+14155552672'],
    ]);
  });

  it.each([
    ['a header without phone or e-mail', 'name,city\nA,B\n', null],
    ['a mapping naming a missing column', 'name,phone\nA,1\n', { phone: 'Mobile' }],
  ])('refuses %s with import_mapping_invalid', async (_, text, mapping) => {
    expect(await code(() => readCsv(Buffer.from(text), mapping, 10))).toBe('import_mapping_invalid');
  });

  it('refuses a broken CSV with import_format_unknown', async () => {
    expect(await code(() => readCsv(Buffer.from('name,phone\n"unclosed,1\n'), null, 10))).toBe(
      'import_format_unknown',
    );
  });
});

describe('parseMapping', () => {
  it('takes an object of known fields naming columns', () => {
    expect(parseMapping('{"name":"Full Name","phone":"Mobile"}')).toEqual({
      name: 'Full Name',
      phone: 'Mobile',
    });
    expect(parseMapping(undefined)).toBeNull();
    expect(parseMapping('  ')).toBeNull();
  });

  it.each([
    'not json',
    '[]',
    '"phone"',
    '{"city":"Town"}',
    '{"phone":""}',
    '{"phone":3}',
    '{"__proto__":"x"}',
  ])('refuses %p with import_mapping_invalid', async (json) => {
    expect(await code(() => parseMapping(json))).toBe('import_mapping_invalid');
  });
});

describe('guardCell', () => {
  it.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+98912', "'+98912"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['Ali', 'Ali'],
    [null, ''],
  ])('%p → %p', (cell, guarded) => {
    expect(guardCell(cell)).toBe(guarded);
  });
});
