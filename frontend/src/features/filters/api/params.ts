// The shared filters' URL parameters other than the date range, and which
// of the address's parameters cannot be read.

import { explicitRange, isPreset } from './range';

/** A QBench id: a positive 32-bit integer; undefined otherwise. */
export function positiveInt(value: string | null): number | undefined {
  if (!value || !/^\d+$/.test(value)) {
    return undefined;
  }
  const number = Number(value);
  return number > 0 && number <= 2_147_483_647 ? number : undefined;
}

/** The longest SLA the API takes, in hours: a year. */
export const MAX_SLA_HOURS = 8760;

/** An SLA in hours: more than 0, at most a year; undefined otherwise. */
export function slaParam(value: string | null): number | undefined {
  if (!value) {
    return undefined;
  }
  const hours = Number(value);
  return Number.isFinite(hours) && hours > 0 && hours <= MAX_SLA_HOURS ? hours : undefined;
}

/**
 * The filter parameters the address gives but that cannot be read, in the
 * order the filter bar shows them: the pages leave them out, and say so.
 * An empty value is no filter, not a bad one.
 */
export function ignoredParams(params: URLSearchParams): string[] {
  const given = (key: string) => Boolean(params.get(key));
  const ignored: string[] = [];
  if ((given('from') || given('to')) && explicitRange(params) === null) {
    ignored.push(...['from', 'to'].filter(given));
  }
  if (given('range') && !isPreset(params.get('range'))) {
    ignored.push('range');
  }
  for (const key of ['customer', 'order', 'batch']) {
    if (given(key) && positiveInt(params.get(key)) === undefined) {
      ignored.push(key);
    }
  }
  if (given('sla') && slaParam(params.get('sla')) === undefined) {
    ignored.push('sla');
  }
  return ignored;
}
