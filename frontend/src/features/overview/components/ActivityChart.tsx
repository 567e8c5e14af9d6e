import { useQuery } from '@tanstack/react-query';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { Panel } from '../../../components/Panel';
import { alignPreviousPeriod, zeroFillDays } from '../../../lib/chartData';
import type { Filters } from '../../filters/hooks/useFilters';
import { activityQuery } from '../api/queries';

const KEYS = ['samples', 'tests', 'tests_reported'] as const;
const SERIES = [
  { key: 'samples', name: 'Samples', color: '#2f7ed8' },
  { key: 'tests', name: 'Tests', color: '#e3872d' },
  { key: 'tests_reported', name: 'Tests reported', color: '#3aa655' },
] as const;

type Activity = Awaited<ReturnType<NonNullable<ReturnType<typeof activityQuery>['queryFn']>>>;

/** The chart's rows: every day of the range, the previous period aligned. */
function activityRows(data: Activity | undefined, filters: Filters) {
  if (!data || !filters.range || !filters.previous) {
    return [];
  }
  const current = zeroFillDays(data.current, filters.range.from, filters.range.to, KEYS);
  const previous = data.previous
    ? zeroFillDays(data.previous, filters.previous.from, filters.previous.to, KEYS)
    : null;
  return alignPreviousPeriod(current, previous, KEYS);
}

/** Samples, tests and reports per lab day, the previous period dashed beneath. */
export function ActivityChart({ filters }: { filters: Filters }) {
  const activity = useQuery(activityQuery(filters));
  const rows = activityRows(activity.data, filters);
  const empty = rows.every((row) => KEYS.every((key) => row[key] === 0));

  return (
    <Panel
      title="Daily activity"
      loading={activity.isPending || !filters.range}
      error={activity.error ?? filters.labError}
      empty={empty}
      className="wide"
      testId="activity"
    >
      {/* TODO(#4): the chart's figures have no text alternative beyond its
          label; a screen reader gets none of the days. */}
      <div className="chart" role="img" aria-label="Samples, tests and reports per day">
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#8884" />
            <XAxis dataKey="date" minTickGap={24} />
            <YAxis allowDecimals={false} width={48} />
            <Tooltip />
            <Legend />
            {SERIES.map((series) => (
              <Line
                key={series.key}
                dataKey={series.key}
                name={series.name}
                stroke={series.color}
                dot={false}
                strokeWidth={2}
                isAnimationActive={false}
              />
            ))}
            {SERIES.map((series) => (
              <Line
                key={`previous-${series.key}`}
                dataKey={`previous_${series.key}`}
                name={`${series.name} (previous period)`}
                stroke={series.color}
                strokeOpacity={0.45}
                strokeDasharray="4 4"
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </Panel>
  );
}
