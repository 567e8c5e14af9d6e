import { RangeNote } from '../../filters/components/RangeNote';
import { useFilters } from '../../filters/hooks/useFilters';
import { SamplesPanels } from './SamplesPanels';
import { TestsPanels } from './TestsPanels';

export function SamplesPage() {
  const filters = useFilters();
  return (
    <div className="page">
      <h1>Samples and tests</h1>
      <RangeNote filters={filters} />
      <div className="grid">
        <SamplesPanels filters={filters} />
        <TestsPanels filters={filters} />
      </div>
    </div>
  );
}
