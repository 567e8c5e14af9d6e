import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';

/** Checkpoints, newest runs and records set aside; refreshed every minute. */
export const syncHealthQuery = queryOptions({
  queryKey: ['sync-health'],
  queryFn: ({ signal }) => apiGet('/api/v1/sync/health', { signal }),
  refetchInterval: 60 * 1000,
});
