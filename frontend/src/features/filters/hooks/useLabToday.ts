import { useQuery } from '@tanstack/react-query';
import { filterOptions } from '../api/queries';
import { labToday } from '../api/range';

/** The lab's IANA time zone, as the API reports it; undefined until known. */
export function useLabZone(): string | undefined {
  const query = useQuery({ ...filterOptions, select: (options) => options.lab_timezone });
  return query.data;
}

/** The lab's calendar day, in the zone the API places days in. */
export function useLabToday(): { today: string | null; error: Error | null } {
  const query = useQuery({
    ...filterOptions,
    select: (options) => labToday(options.lab_timezone, Date.now()),
  });
  return { today: query.data ?? null, error: query.error };
}
