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
import { ChartFigures } from '../../../components/ChartFigures';
import type { Column } from '../../../components/DataTable';
import { Panel } from '../../../components/Panel';
import { alignPreviousPeriod, zeroFillDays, type AlignedDay } from '../../../lib/chartData';
import type { Filters } from '../../filters/hooks/useFilters';
import { activityQuery } from '../api/queries';

const KEYS = ['samples', 'tests', 'tests_reported'] as const;
const SERIES = [
  { key: 'samples', name: 'Samples', color: '#2f7ed8' },
  { key: 'tests', name: 'Tests', color: '#e3872d' },
  { key: 'tests_reported', name: 'Tests reported', color: '#3aa655' },
] as const;

type ActivityDay = AlignedDay<(typeof KEYS)[number]>;

/** The table of the chart's figures; the previous period's only when shown. */
function figureColumns(withPrevious: boolean): Column<ActivityDay>[] {
  const day = (key: 'date' | 'previousDate', header: string): Column<ActivityDay> => ({
    key,
    header,
    kind: 'text',
    value: (row) => row[key],
  });
  const counts = (previous: boolean) =>
    SERIES.map((series): Column<ActivityDay> => ({
      key: previous ? `previous_${series.key}` : series.key,
      header: previous ? `${series.name}, previous period` : series.name,
      kind: 'number',
      value: (row) => (previous ? row[`previous_${series.key}`] : row[series.key]),
    }));
  return withPrevious
    ? [day('date', 'Day'), ...counts(false), day('previousDate', 'Previous day'), ...counts(true)]
    : [day('date', 'Day'), ...counts(false)];
}

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
      <ChartFigures
        caption="Samples, tests and reports per day"
        columns={figureColumns(activity.data?.previous != null)}
        rows={rows}
        rowKey={(row) => row.date}
        exportName="daily-activity"
      />
    </Panel>
  );
}
