import { useQuery } from '@tanstack/react-query';
import { KpiCard } from '../../../components/KpiCard';
import { Panel } from '../../../components/Panel';
import { formatCount } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { samplesOverviewQuery } from '../api/queries';
import { CountTable } from './CountTable';

/** Samples created in the range: totals, by state and by matrix type. */
export function SamplesPanels({ filters }: { filters: Filters }) {
  const samples = useQuery(samplesOverviewQuery(filters));
  const data = samples.data;
  const loading = samples.isPending || !filters.range;
  return (
    <>
      <Panel
        title="Samples"
        loading={loading}
        error={samples.error ?? filters.labError}
        className="wide"
        testId="samples-kpis"
      >
        <div className="kpis">
          <KpiCard
            testId="samples-total"
            label="Samples"
            value={formatCount(data?.kpis.total_samples)}
          />
          <KpiCard
            testId="samples-completed"
            label="Completed"
            value={formatCount(data?.kpis.completed_samples)}
          />
          <KpiCard
            testId="samples-pending"
            label="Pending"
            value={formatCount(data?.kpis.pending_samples)}
          />
          <KpiCard
            testId="samples-closed"
            label="Closed without report"
            value={formatCount(data?.kpis.closed_samples)}
          />
        </div>
      </Panel>
      <Panel
        title="Samples by state"
        loading={loading}
        error={samples.error ?? filters.labError}
        empty={data?.by_state.length === 0}
      >
        <CountTable
          caption="Samples by state"
          header="State"
          rows={(data?.by_state ?? []).map((row) => ({ name: row.key, count: row.count }))}
          exportName="samples-by-state"
          testId="samples-by-state"
        />
      </Panel>
      <Panel
        title="Samples by matrix type"
        loading={loading}
        error={samples.error ?? filters.labError}
        empty={data?.by_matrix_type.length === 0}
      >
        <CountTable
          caption="Samples by matrix type"
          header="Matrix type"
          rows={(data?.by_matrix_type ?? []).map((row) => ({ name: row.key, count: row.count }))}
          exportName="samples-by-matrix-type"
          testId="samples-by-matrix"
        />
      </Panel>
    </>
  );
}
