import { DataTable, type DataTableProps } from './DataTable';

/**
 * A chart's figures as a table, folded beneath it: what a screen reader or
 * a keyboard reads instead of the drawing, and what a spreadsheet takes.
 */
export function ChartFigures<Row>(props: DataTableProps<Row>) {
  return (
    <details className="chart-figures">
      <summary>Figures as a table</summary>
      <DataTable {...props} />
    </details>
  );
}
