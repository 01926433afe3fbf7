import type { ReactNode } from 'react';

/** One column: its header and what each row shows in it. */
export interface Column<Row> {
  /** React's key for the column; unique in the table. */
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** `auto` for names people type, `ltr` for URLs, ids and scopes; nothing for the page's direction. */
  dir?: 'auto' | 'ltr';
  className?: string;
  /** A test id on each of this column's cells. */
  testId?: string;
}

/** `data-*` attributes of a row (`data-revoked`, `data-selected`): what tests and styles select on. */
type DataAttributes = { [name: `data-${string}`]: string | number | boolean | undefined };

/**
 * The admin pages' table: a header row, one row per item (with a test id and data attributes),
 * and a single row saying so when there is nothing yet. Scrolls sideways on narrow screens.
 */
export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  rowTestId,
  rowData,
  empty,
  testId,
}: {
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  rowTestId?: string;
  rowData?: (row: Row) => DataAttributes;
  /** The text of the empty table; without it an empty table shows only its header. */
  empty?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col">
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {!rows.length && empty !== undefined && (
            <tr>
              <td colSpan={columns.length}>{empty}</td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} data-testid={rowTestId} {...(rowData ? rowData(row) : {})}>
              {columns.map((column) => (
                <td
                  key={column.key}
                  dir={column.dir}
                  className={column.className}
                  data-testid={column.testId}
                >
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
