import { useQuery } from '@tanstack/react-query';
import { CountBars } from '../../../components/CountBars';
import { DataTable, type Column } from '../../../components/DataTable';
import { Panel } from '../../../components/Panel';
import type { LabelCount } from '../../../api/types';
import type { Filters } from '../../filters/hooks/useFilters';
import { labelsQuery } from '../api/queries';

const COLUMNS: Column<LabelCount>[] = [
  { key: 'label', header: 'Assay label', kind: 'text', value: (row) => row.label },
  { key: 'count', header: 'Tests', kind: 'number', value: (row) => row.count },
];

/** Tests created in the range, by assay label. */
export function LabelsPanel({ filters }: { filters: Filters }) {
  const labels = useQuery(labelsQuery(filters));
  const rows = labels.data?.labels ?? [];
  return (
    <Panel
      title="Tests by assay label"
      loading={labels.isPending || !filters.range}
      error={labels.error ?? filters.labError}
      empty={rows.length === 0}
      testId="labels"
    >
      <CountBars
        label="Tests by assay label"
        rows={rows.slice(0, 15).map((row) => ({ name: row.label, count: row.count }))}
      />
      <DataTable
        caption="Tests by assay label"
        columns={COLUMNS}
        rows={rows}
        rowKey={(row) => row.label}
        exportName="tests-by-label"
        sortable
      />
    </Panel>
  );
}
