import { RangeNote } from '../../filters/components/RangeNote';
import { useFilters } from '../../filters/hooks/useFilters';
import { ActivityChart } from './ActivityChart';
import { NewCustomers, TopCustomers } from './CustomerPanels';
import { LabelsPanel } from './LabelsPanel';
import { SummaryCards } from './SummaryCards';

export function OverviewPage() {
  const filters = useFilters();
  return (
    <div className="page">
      <h1>Overview</h1>
      <RangeNote filters={filters} />
      <div className="grid">
        <SummaryCards filters={filters} />
        <ActivityChart filters={filters} />
        <TopCustomers filters={filters} />
        <LabelsPanel filters={filters} />
        <NewCustomers filters={filters} />
      </div>
    </div>
  );
}
