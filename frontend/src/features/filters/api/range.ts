// The date range of the shared filters, from the URL, in lab days.

import { addDays, daysBetween, isDay, monthStart } from '../../../lib/days';

export const PRESETS = [
  { id: '7d', label: '7 days' },
  { id: '30d', label: '30 days' },
  { id: '90d', label: '90 days' },
  { id: 'month', label: 'This month' },
] as const;

export type PresetId = (typeof PRESETS)[number]['id'];
export const DEFAULT_PRESET: PresetId = '30d';

/** Days of the lab, both ends included. */
export interface DayRange {
  from: string;
  to: string;
}

/** The range a preset covers, ending on the lab's `today`. */
export function presetRange(preset: PresetId, today: string): DayRange {
  switch (preset) {
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case 'month':
      return { from: monthStart(today), to: today };
  }
}

export function isPreset(value: string | null): value is PresetId {
  return PRESETS.some((preset) => preset.id === value);
}

/** The URL's `from` and `to` when both are days, in order; else null. */
export function explicitRange(params: URLSearchParams): DayRange | null {
  const from = params.get('from');
  const to = params.get('to');
  return from && to && isDay(from) && isDay(to) && from <= to ? { from, to } : null;
}

/**
 * The range the URL asks for: explicit valid `from` and `to` days win, then
 * a preset, then the default preset. Null until the lab's today is known
 * when a preset is needed.
 */
export function resolveRange(params: URLSearchParams, today: string | null): DayRange | null {
  const explicit = explicitRange(params);
  if (explicit) {
    return explicit;
  }
  if (!today) {
    return null;
  }
  const preset = params.get('range');
  return presetRange(isPreset(preset) ? preset : DEFAULT_PRESET, today);
}

/** The period of equal length that ends the day before `range` starts. */
export function previousRange(range: DayRange): DayRange {
  const length = daysBetween(range.from, range.to) + 1;
  return { from: addDays(range.from, -length), to: addDays(range.from, -1) };
}

/**
 * The calendar day (`YYYY-MM-DD`) at `now` in `timeZone`, the lab's; the
 * viewer's own day when this browser does not know the zone.
 */
export function labToday(timeZone: string, now: number): string {
  let zone: string | undefined = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    zone = undefined;
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
