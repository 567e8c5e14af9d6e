import { useQuery } from '@tanstack/react-query';
import { DataTable, type Column } from '../../../components/DataTable';
import { Panel } from '../../../components/Panel';
import type { TatLabelStats } from '../../../api/types';
import { formatHours } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { breakdownQuery } from '../api/queries';

function hours(key: 'average_hours' | 'median_hours' | 'p95_hours', header: string) {
  return {
    key,
    header,
    kind: 'number',
    value: (row: TatLabelStats) => row[key] ?? null,
    render: (row: TatLabelStats) => formatHours(row[key]),
  } satisfies Column<TatLabelStats>;
}

const COLUMNS: Column<TatLabelStats>[] = [
  { key: 'label', header: 'Assay label', kind: 'text', value: (row) => row.label },
  hours('average_hours', 'Average'),
  hours('median_hours', 'Median'),
  hours('p95_hours', 'p95'),
  { key: 'total_tests', header: 'Tests', kind: 'number', value: (row) => row.total_tests },
];

/** Turnaround statistics per assay label, sortable. */
export function BreakdownTable({ filters }: { filters: Filters }) {
  const breakdown = useQuery(breakdownQuery(filters));
  const rows = breakdown.data?.breakdown ?? [];
  return (
    <Panel
      title="By assay label"
      loading={breakdown.isPending || !filters.range}
      error={breakdown.error ?? filters.labError}
      empty={rows.length === 0}
      className="wide"
      testId="tat-breakdown"
    >
      <DataTable
        caption="Turnaround by assay label"
        columns={COLUMNS}
        rows={rows}
        rowKey={(row) => row.label}
        exportName="turnaround-by-label"
        sortable
        initialSort={{ key: 'total_tests', descending: true }}
      />
    </Panel>
  );
}
