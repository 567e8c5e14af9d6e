import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';

/** Customers and states the filter bar offers. */
export const filterOptions = queryOptions({
  queryKey: ['filter-options'],
  queryFn: ({ signal }) => apiGet('/api/v1/metrics/common/filters', { signal }),
  staleTime: 5 * 60 * 1000,
});
