import { RangeNote } from '../../filters/components/RangeNote';
import { useFilters } from '../../filters/hooks/useFilters';
import { BreakdownTable } from './BreakdownTable';
import { TatDailyChart } from './TatDailyChart';
import { TatSummary } from './TatSummary';

export function TurnaroundPage() {
  const filters = useFilters();
  return (
    <div className="page">
      <h1>Turnaround</h1>
      <RangeNote filters={filters} />
      <div className="grid">
        <TatSummary filters={filters} />
        <TatDailyChart filters={filters} />
        <BreakdownTable filters={filters} />
      </div>
    </div>
  );
}
