import { useMemo, useState, type ReactNode } from 'react';
import { downloadCsv, toCsv, type CsvColumn } from '../lib/csv';

/** A column: its CSV form, and optionally how a cell is drawn. */
export interface Column<Row> extends CsvColumn<Row> {
  key: string;
  render?: (row: Row) => ReactNode;
}

export interface DataTableProps<Row> {
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  /** File name of the CSV export, without `.csv`. */
  exportName: string;
  rowKey: (row: Row) => string | number;
  /** Columns can be sorted by clicking their header. */
  sortable?: boolean;
  initialSort?: { key: string; descending: boolean };
  testId?: string;
}

function compare(a: unknown, b: unknown): number {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** A table of record text (always as text), sortable, exportable as CSV. */
export function DataTable<Row>(props: DataTableProps<Row>) {
  const { columns, rows, sortable } = props;
  const [sort, setSort] = useState(props.initialSort ?? null);
  const sorted = useMemo(() => {
    const column = sort && columns.find((candidate) => candidate.key === sort.key);
    if (!column || !sort) {
      return rows;
    }
    const ordered = [...rows].sort((a, b) => compare(column.value(a), column.value(b)));
    return sort.descending ? ordered.reverse() : ordered;
  }, [rows, columns, sort]);

  function toggle(key: string) {
    setSort((current) =>
      current?.key === key ? { key, descending: !current.descending } : { key, descending: false },
    );
  }

  return (
    <div className="table-wrap">
      <div className="table-tools">
        <button
          type="button"
          className="secondary"
          onClick={() => downloadCsv(`${props.exportName}.csv`, toCsv(columns, sorted))}
        >
          Export CSV
        </button>
      </div>
      <div className="table-scroll">
        <table data-testid={props.testId}>
          <caption className="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              {columns.map((column) => {
                const direction =
                  sort?.key === column.key
                    ? sort.descending
                      ? 'descending'
                      : 'ascending'
                    : undefined;
                return (
                  <th
                    key={column.key}
                    scope="col"
                    aria-sort={sortable ? (direction ?? 'none') : undefined}
                    className={column.kind === 'number' ? 'num' : undefined}
                  >
                    {sortable ? (
                      <button type="button" className="sort" onClick={() => toggle(column.key)}>
                        {column.header}
                        <span aria-hidden="true">
                          {direction === 'ascending'
                            ? ' ▲'
                            : direction === 'descending'
                              ? ' ▼'
                              : ''}
                        </span>
                      </button>
                    ) : (
                      column.header
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <tr key={props.rowKey(row)}>
                {columns.map((column) => (
                  <td
                    key={column.key}
                    data-column={column.key}
                    className={column.kind === 'number' ? 'num' : undefined}
                  >
                    {column.render ? column.render(row) : String(column.value(row) ?? '–')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
