// Daily turnaround rows for the chart.

import { movingAverage } from '../../../lib/chartData';
import { dayList } from '../../../lib/days';

export interface TatDay {
  date: string;
  average_hours: number | null;
  moving_average: number | null;
}

/**
 * One row per lab day of the range: that day's mean TAT (null on a day
 * without reports) and the moving average. The API's own moving average is
 * used where it gives one; otherwise it is computed over the days here.
 */
export function tatDays(
  points: readonly { date: string; average_hours?: number | null }[],
  apiAverage: readonly { period_start: string; value?: number | null }[] | null | undefined,
  first: string,
  last: string,
  window: number,
): TatDay[] {
  const byDay = new Map(points.map((point) => [point.date.slice(0, 10), point.average_hours]));
  const days = dayList(first, last);
  const values = days.map((day) => byDay.get(day) ?? null);
  const computed = movingAverage(values, window);
  const fromApi = apiAverage
    ? new Map(apiAverage.map((point) => [point.period_start.slice(0, 10), point.value ?? null]))
    : null;
  return days.map((date, index) => ({
    date,
    average_hours: values[index] ?? null,
    moving_average: fromApi ? (fromApi.get(date) ?? null) : (computed[index] ?? null),
  }));
}
