import { useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';
import { labToday } from '../api/range';

/**
 * The lab's calendar day. The API places days in the lab's zone; asking it
 * where one day starts tells the dashboard that zone's offset.
 */
export function useLabToday(): { today: string | null; error: Error | null } {
  const query = useQuery({
    queryKey: ['lab-day-start'],
    queryFn: async ({ signal }) => {
      const probe = new Date().toISOString().slice(0, 10);
      const query = { date_from: probe, date_to: probe };
      const summary = await apiGet('/api/v1/metrics/summary', { query, signal });
      return { probe, start: summary.range_start };
    },
    select: ({ probe, start }) => (start ? labToday(probe, start, Date.now()) : null),
    staleTime: 60 * 60 * 1000,
  });
  return { today: query.data ?? null, error: query.error };
}
