import { safeCell, toCsv } from './report-csv';

describe('report CSV', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `'=HYPERLINK("http://evil")`],
    ['+1+2', `'+1+2`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tx', `'\tx`],
    ['Sara', 'Sara'],
    ['سارا', 'سارا'],
  ])('a cell %j is written as %j', (input, output) => {
    expect(safeCell(input)).toBe(output);
  });

  it('numbers stay numbers (a negative one too) and quotes and commas are quoted', () => {
    expect(toCsv(['a', 'b', 'c'], [[-1, 'x, "y"', null]])).toBe('a,b,c\n-1,"x, ""y""",\n');
  });
});
