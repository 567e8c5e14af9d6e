import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';
import { rangeQuery, type Filters } from '../../filters/hooks/useFilters';

export function samplesOverviewQuery(filters: Filters) {
  const query = rangeQuery(filters);
  return queryOptions({
    queryKey: ['samples-overview', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/samples/overview', { query, signal }),
    enabled: filters.range !== null,
  });
}

/** Tests created in the range; of a batch, all of its tests. */
export function testsOverviewQuery(filters: Filters, batchId: number | undefined) {
  const range = batchId === undefined ? filters.range : null;
  const query = { ...rangeQuery(filters, range), batch_id: batchId };
  return queryOptions({
    queryKey: ['tests-overview', query],
    queryFn: ({ signal }) => apiGet('/api/v1/metrics/tests/overview', { query, signal }),
    enabled: filters.range !== null || batchId !== undefined,
  });
}
