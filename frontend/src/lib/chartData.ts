// Pure functions that shape API answers into chart rows. Charts draw what
// these return and nothing else, so every gap, alignment and average is
// decided (and tested) here.

import { addDays, dayList } from './days';

/** A value per day, as the API answers series. */
export interface DayValue {
  date: string;
  value: number;
}

/**
 * One row per day from `first` to `last`, taking each day's counts from
 * `rows` and zero for a day the API left out. Rows outside the span are
 * dropped; a day listed twice keeps its last row.
 */
export function zeroFillDays<K extends string>(
  rows: readonly ({ date: string } & Record<K, number>)[],
  first: string,
  last: string,
  keys: readonly K[],
): ({ date: string } & Record<K, number>)[] {
  const byDay = new Map(rows.map((row) => [row.date.slice(0, 10), row]));
  return dayList(first, last).map((date) => {
    const row = byDay.get(date);
    const filled = { date } as { date: string } & Record<K, number>;
    for (const key of keys) {
      (filled as Record<K, number>)[key] = row ? row[key] : 0;
    }
    return filled;
  });
}

/** A current day beside the day at the same position of the previous period. */
export type AlignedDay<K extends string> = { date: string; previousDate: string } & Record<
  K,
  number
> &
  Record<`previous_${K}`, number | null>;

/**
 * Lays the previous period over the current one: the n-th day of `current`
 * gets the values of the n-th day of `previous` as `previous_<key>`, with
 * the day they belong to in `previousDate`. The previous period is as long
 * as the current one and ends the day before it starts; a day missing from
 * `previous` counts zero, and with no previous period at all the values are
 * null so the chart draws no line.
 */
export function alignPreviousPeriod<K extends string>(
  current: readonly ({ date: string } & Record<K, number>)[],
  previous: readonly ({ date: string } & Record<K, number>)[] | null | undefined,
  keys: readonly K[],
): AlignedDay<K>[] {
  const firstDay = current[0]?.date.slice(0, 10);
  if (firstDay === undefined) {
    return [];
  }
  const offset = current.length;
  const byDay = new Map((previous ?? []).map((row) => [row.date.slice(0, 10), row]));
  return current.map((row, index) => {
    const previousDate = addDays(firstDay, index - offset);
    const before = byDay.get(previousDate);
    const aligned: Record<string, number | string | null> = {
      date: row.date.slice(0, 10),
      previousDate,
    };
    for (const key of keys) {
      aligned[key] = row[key];
      aligned[`previous_${key}`] = previous ? (before ? before[key] : 0) : null;
    }
    return aligned as AlignedDay<K>;
  });
}

/**
 * The trailing mean over `window` points for each point: the first
 * `window - 1` points average what exists so far. Null values (days without
 * data) are skipped; a window holding none gives null.
 */
export function movingAverage(
  values: readonly (number | null)[],
  window: number,
): (number | null)[] {
  const size = Math.max(1, Math.floor(window));
  return values.map((_, index) => {
    const slice = values.slice(Math.max(0, index - size + 1), index + 1);
    const present = slice.filter((value): value is number => value !== null);
    if (present.length === 0) {
      return null;
    }
    return present.reduce((sum, value) => sum + value, 0) / present.length;
  });
}

/** How a figure moved against the previous period. */
export type Change =
  { kind: 'percent'; value: number } | { kind: 'new' } | { kind: 'none' } | { kind: 'unknown' };

/**
 * The change from `previous` to `current` in percent. A zero base has no
 * percentage: going from 0 to something is `new`, 0 to 0 is `none`, and a
 * missing figure on either side is `unknown`.
 */
export function percentChange(
  current: number | null | undefined,
  previous: number | null | undefined,
): Change {
  if (current == null || previous == null || !Number.isFinite(current + previous)) {
    return { kind: 'unknown' };
  }
  if (previous === 0) {
    return current === 0 ? { kind: 'none' } : { kind: 'new' };
  }
  return { kind: 'percent', value: ((current - previous) / Math.abs(previous)) * 100 };
}

/** Short text for a change, e.g. `+12.5%`, `new`, `±0%`. */
export function formatChange(change: Change): string {
  switch (change.kind) {
    case 'percent': {
      const rounded = Math.round(change.value * 10) / 10;
      if (rounded === 0) {
        return '±0%';
      }
      return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}%`;
    }
    case 'new':
      return 'new';
    case 'none':
      return '±0%';
    case 'unknown':
      return '–';
  }
}
