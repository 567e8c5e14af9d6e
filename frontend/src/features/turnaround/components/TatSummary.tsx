import { useQuery } from '@tanstack/react-query';
import { CountBars } from '../../../components/CountBars';
import { KpiCard } from '../../../components/KpiCard';
import { Panel } from '../../../components/Panel';
import { formatCount, formatHours } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { tatQuery } from '../api/queries';

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
      </Panel>
    </>
  );
}

/** The SLA as the cards name it: its hours once the lab's are known. */
function slaName(filters: Filters): string {
  return filters.slaShown === null ? 'SLA' : `${filters.slaShown} h SLA`;
}
