import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';
import type { DayRange } from '../../filters/api/range';
import { rangeQuery, type Filters } from '../../filters/hooks/useFilters';

/** Headline figures of one period (the current or the previous one). */
export function summaryQuery(filters: Filters, range: DayRange | null) {
  const query = { ...rangeQuery(filters, range), sla_hours: filters.slaHours };
  return queryOptions({
    queryKey: ['summary', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/summary', { query, signal }),
    enabled: range !== null,
  });
}

export function activityQuery(filters: Filters) {
  const query = { ...rangeQuery(filters), compare_previous: true };
  return queryOptions({
    queryKey: ['activity', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/activity/daily', { query, signal }),
    enabled: filters.range !== null,
  });
}

export function newCustomersQuery(filters: Filters) {
  const query = { date_from: filters.range?.from, date_to: filters.range?.to, limit: 10 };
  return queryOptions({
    queryKey: ['customers-new', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/customers/new', { query, signal }),
    enabled: filters.range !== null,
  });
}

export function topCustomersQuery(filters: Filters) {
  const query = { date_from: filters.range?.from, date_to: filters.range?.to, limit: 10 };
  return queryOptions({
    queryKey: ['customers-top', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/customers/top-tests', { query, signal }),
    enabled: filters.range !== null,
  });
}

export function labelsQuery(filters: Filters) {
  const query = rangeQuery(filters);
  return queryOptions({
    queryKey: ['labels', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/tests/label-distribution', { query, signal }),
    enabled: filters.range !== null,
  });
}
