import { formatChange, type Change } from '../lib/chartData';

interface KpiCardProps {
  label: string;
  value: string;
  /** Change against the previous period, when compared. */
  change?: Change;
  /** Whether a rise is good news (counts) or bad (turnaround). */
  higherIsBetter?: boolean;
  testId?: string;
}

/** One headline figure, with how it moved since the previous period. */
export function KpiCard({ label, value, change, higherIsBetter = true, testId }: KpiCardProps) {
  let tone = 'neutral';
  if (change?.kind === 'percent' && Math.abs(change.value) >= 0.05) {
    tone = change.value > 0 === higherIsBetter ? 'good' : 'bad';
  }
  return (
    <div className="kpi" data-testid={testId}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-value>
        {value}
      </div>
      {change && (
        <div className={`kpi-change ${tone}`} title="Change against the previous period">
          {formatChange(change)} <span className="muted">vs previous</span>
        </div>
      )}
    </div>
  );
}
