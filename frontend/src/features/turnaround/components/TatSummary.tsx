import { useQuery } from '@tanstack/react-query';
import { ChartFigures } from '../../../components/ChartFigures';
import { CountBars } from '../../../components/CountBars';
import type { Column } from '../../../components/DataTable';
import { KpiCard } from '../../../components/KpiCard';
import { Panel } from '../../../components/Panel';
import { formatCount, formatHours } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { tatQuery } from '../api/queries';

interface Bucket {
  label: string;
  count: number;
}

const BUCKET_COLUMNS: Column<Bucket>[] = [
  { key: 'label', header: 'Turnaround', kind: 'text', value: (row) => row.label },
  { key: 'count', header: 'Tests', kind: 'number', value: (row) => row.count },
];

/** Mean, median, p95 and the SLA split, then the distribution buckets. */
export function TatSummary({ filters }: { filters: Filters }) {
  const tat = useQuery(tatQuery(filters));
  const metrics = tat.data?.metrics;
  const buckets = tat.data?.distribution ?? [];
  return (
    <>
      <Panel
        title="Turnaround of tests reported in the range"
        loading={tat.isPending || !filters.range}
        error={tat.error ?? filters.labError}
        className="wide"
        testId="tat-metrics"
      >
        <div className="kpis">
          <KpiCard
            testId="tat-average"
            label="Average"
            value={formatHours(metrics?.average_hours)}
          />
          <KpiCard testId="tat-median" label="Median" value={formatHours(metrics?.median_hours)} />
          <KpiCard
            testId="tat-p95"
            label="95th percentile"
            value={formatHours(metrics?.p95_hours)}
          />
          <KpiCard
            testId="tat-within"
            label={`Within ${slaName(filters)}`}
            value={formatCount(metrics?.completed_within_sla)}
          />
          <KpiCard
            testId="tat-beyond"
            label={`Beyond ${slaName(filters)}`}
            value={formatCount(metrics?.completed_beyond_sla)}
          />
        </div>
      </Panel>
      <Panel
        title="Distribution"
        loading={tat.isPending || !filters.range}
        error={tat.error ?? filters.labError}
        empty={buckets.every((bucket) => bucket.count === 0)}
        testId="tat-distribution"
      >
        <CountBars
          label="Tests per turnaround bucket"
          rows={buckets.map((bucket) => ({ name: bucket.label, count: bucket.count }))}
          color="#8e5bd8"
        />
        <ChartFigures
          caption="Tests per turnaround bucket"
          columns={BUCKET_COLUMNS}
          rows={buckets}
          rowKey={(row) => row.label}
          exportName="turnaround-distribution"
        />
      </Panel>
    </>
  );
}

/** The SLA as the cards name it: its hours once the lab's are known. */
function slaName(filters: Filters): string {
  return filters.slaShown === null ? 'SLA' : `${filters.slaShown} h SLA`;
}
