import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { dateTime, number } from '../ui/format';

interface Row {
  ip: string;
  failures: number;
  expires_at: string;
}

/**
 * Blocked addresses: IP, failures, until when, any columns of the caller's between, and what can
 * be done about each (unblock, or why not). Both the workspace's and the instance's pages use it.
 */
export function BlockedIpTable<T extends Row>({
  rows,
  testId,
  extra = [],
  action,
}: {
  rows: T[];
  testId: string;
  extra?: { title: string; cell: (row: T) => ReactNode }[];
  action: (row: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (rows.length === 0) return <p className="muted">{t('security.none')}</p>;
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t('security.ip')}</th>
          <th scope="col">{t('security.failures')}</th>
          {extra.map((column) => (
            <th key={column.title} scope="col">
              {column.title}
            </th>
          ))}
          <th scope="col">{t('security.expires')}</th>
          <th scope="col" />
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.ip}>
            <td dir="ltr">{row.ip}</td>
            <td>{number(row.failures)}</td>
            {extra.map((column) => (
              <td key={column.title}>{column.cell(row)}</td>
            ))}
            <td>{dateTime(row.expires_at)}</td>
            <td>{action(row)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
