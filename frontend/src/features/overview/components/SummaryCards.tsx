import { useQuery } from '@tanstack/react-query';
import { KpiCard } from '../../../components/KpiCard';
import { Panel } from '../../../components/Panel';
import { percentChange } from '../../../lib/chartData';
import { formatCount, formatHours } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { summaryQuery } from '../api/queries';

/** Samples, tests, customers, reports and mean TAT, against the previous period. */
export function SummaryCards({ filters }: { filters: Filters }) {
  const current = useQuery(summaryQuery(filters, filters.range));
  const previous = useQuery(summaryQuery(filters, filters.previous));
  const now = current.data?.kpis;
  const before = previous.data?.kpis;
  const cards = [
    { id: 'samples', label: 'Samples', key: 'total_samples' },
    { id: 'tests', label: 'Tests', key: 'total_tests' },
    { id: 'customers', label: 'Customers', key: 'total_customers' },
    { id: 'reports', label: 'Reports', key: 'total_reports' },
  ] as const;
  return (
    <Panel
      title="Key figures"
      loading={current.isPending || filters.range === null}
      error={current.error ?? filters.labError}
      testId="summary"
      className="wide"
    >
      <div className="kpis">
        {cards.map((card) => (
          <KpiCard
            key={card.id}
            testId={`kpi-${card.id}`}
            label={card.label}
            value={formatCount(now?.[card.key])}
            change={before ? percentChange(now?.[card.key], before[card.key]) : undefined}
          />
        ))}
        <KpiCard
          testId="kpi-tat"
          label="Average TAT"
          value={formatHours(now?.average_tat_hours)}
          change={
            before ? percentChange(now?.average_tat_hours, before.average_tat_hours) : undefined
          }
          higherIsBetter={false}
        />
      </div>
    </Panel>
  );
}
