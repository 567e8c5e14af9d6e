import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ChartFigures } from '../../../components/ChartFigures';
import type { Column } from '../../../components/DataTable';
import { Panel } from '../../../components/Panel';
import { formatHours } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { MOVING_AVERAGE_DAYS, tatDailyQuery } from '../api/queries';
import { tatDays, type TatDay } from '../api/shape';

function hours(key: 'average_hours' | 'moving_average', header: string): Column<TatDay> {
  return {
    key,
    header,
    kind: 'number',
    value: (row) => row[key],
    render: (row) => formatHours(row[key]),
  };
}

const FIGURES: Column<TatDay>[] = [
  { key: 'date', header: 'Day of report', kind: 'text', value: (row) => row.date },
  hours('average_hours', 'Mean TAT'),
  hours('moving_average', `${MOVING_AVERAGE_DAYS}-day moving average`),
];

/** Mean TAT per day of report, its moving average and the SLA line. */
export function TatDailyChart({ filters }: { filters: Filters }) {
  const daily = useQuery(tatDailyQuery(filters));
  const rows = useMemo(
    () =>
      daily.data && filters.range
        ? tatDays(
            daily.data.points,
            daily.data.moving_average_hours,
            filters.range.from,
            filters.range.to,
            MOVING_AVERAGE_DAYS,
          )
        : [],
    [daily.data, filters.range],
  );
  return (
    <Panel
      title="Daily turnaround"
      loading={daily.isPending || !filters.range}
      error={daily.error ?? filters.labError}
      empty={rows.every((row) => row.average_hours === null)}
      emptyText="No reports in this range."
      className="wide"
      testId="tat-daily"
    >
      <div
        className="chart"
        role="img"
        aria-label="Mean turnaround per day with its moving average"
      >
        <ResponsiveContainer width="100%" height={280}>
          <ComposedChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#8884" />
            <XAxis dataKey="date" minTickGap={24} />
            <YAxis width={48} unit=" h" />
            <Tooltip />
            <Legend />
            {filters.slaShown !== null && (
              <ReferenceLine
                y={filters.slaShown}
                stroke="#d64545"
                strokeDasharray="6 3"
                label={{
                  value: `SLA ${filters.slaShown} h`,
                  position: 'insideTopRight',
                  fill: '#d64545',
                }}
              />
            )}
            <Line
              dataKey="average_hours"
              name="Mean TAT (h)"
              stroke="#2f7ed8"
              dot={{ r: 2 }}
              connectNulls={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="moving_average"
              name={`${MOVING_AVERAGE_DAYS}-day moving average`}
              stroke="#e3872d"
              strokeWidth={2}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <ChartFigures
        caption="Mean turnaround per day of report"
        columns={FIGURES}
        rows={rows}
        rowKey={(row) => row.date}
        exportName="daily-turnaround"
      />
    </Panel>
  );
}
