import { DataTable, type Column } from '../../../components/DataTable';

interface Count {
  name: string;
  count: number;
}

const COLUMNS = (header: string): Column<Count>[] => [
  { key: 'name', header, kind: 'text', value: (row) => row.name },
  { key: 'count', header: 'Count', kind: 'number', value: (row) => row.count },
];

/** Counts by a key (state, matrix type, label), sortable and exportable. */
export function CountTable(props: {
  caption: string;
  header: string;
  rows: Count[];
  exportName: string;
  testId: string;
}) {
  return (
    <DataTable
      caption={props.caption}
      columns={COLUMNS(props.header)}
      rows={props.rows}
      rowKey={(row) => row.name}
      exportName={props.exportName}
      sortable
      initialSort={{ key: 'count', descending: true }}
      testId={props.testId}
    />
  );
}
