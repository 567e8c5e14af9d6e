import { DataTable, type Column } from './DataTable';

interface ChartFiguresProps<Row> {
  /** What the figures are, read before the table. */
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  exportName: string;
  rowKey: (row: Row) => string | number;
}

/**
 * A chart's figures as a table, folded beneath it: what a screen reader or
 * a keyboard reads instead of the drawing, and what a spreadsheet takes.
 */
export function ChartFigures<Row>(props: ChartFiguresProps<Row>) {
  return (
    <details className="chart-figures">
      <summary>Figures as a table</summary>
      <DataTable {...props} />
    </details>
  );
}
