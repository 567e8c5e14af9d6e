import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';
import type { Filters } from '../../filters/hooks/useFilters';

export const MOVING_AVERAGE_DAYS = 7;

/**
 * Turnaround of tests reported in the range: the route keeps the earlier
 * tool's parameter names, `date_created_*`, but selects by report date.
 */
function reportedQuery(filters: Filters) {
  return {
    date_created_from: filters.range?.from,
    date_created_to: filters.range?.to,
    customer_id: filters.customerId,
    order_id: filters.orderId,
    state: filters.state,
  };
}

export function tatQuery(filters: Filters) {
  const query = {
    ...reportedQuery(filters),
    sla_hours: filters.slaHours,
    group_by: 'day' as const,
  };
  return queryOptions({
    queryKey: ['tat', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/tests/tat', { query, signal }),
    enabled: filters.range !== null,
  });
}

export function breakdownQuery(filters: Filters) {
  const query = reportedQuery(filters);
  return queryOptions({
    queryKey: ['tat-breakdown', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/tests/tat-breakdown', { query, signal }),
    enabled: filters.range !== null,
  });
}

/** Mean TAT per day of report, with its moving average. */
export function tatDailyQuery(filters: Filters) {
  const query = {
    date_from: filters.range?.from,
    date_to: filters.range?.to,
    customer_id: filters.customerId,
    order_id: filters.orderId,
    state: filters.state,
    sla_hours: filters.slaHours,
    moving_average_window: MOVING_AVERAGE_DAYS,
  };
  return queryOptions({
    queryKey: ['tat-daily', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/tests/tat-daily', { query, signal }),
    enabled: filters.range !== null,
  });
}
