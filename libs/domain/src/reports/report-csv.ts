import { stringify } from 'csv-stringify/sync';

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab or carriage return first) is
 * prefixed with a quote, so a customer's or an agent's name cannot become one (CSV injection).
 */
export const safeCell = (value: string | number | null | undefined): string | number => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
};

/** A header row and the rows under it as CSV (RFC 4180 quoting), every string cell made safe. */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return stringify([header, ...rows.map((row) => row.map(safeCell))]);
}
