import { useQuery } from '@tanstack/react-query';
import { filterOptions } from '../api/queries';
import { labToday } from '../api/range';

/** The lab's IANA time zone, as the API reports it; undefined until known. */
export function useLabZone(): string | undefined {
  const query = useQuery({ ...filterOptions, select: (options) => options.lab_timezone });
  return query.data;
}

/**
 * The lab's calendar day, in the zone the API places days in, and the SLA
 * the API applies when a request names none; null until known.
 */
export function useLabDefaults(): {
  today: string | null;
  slaHours: number | null;
  error: Error | null;
} {
  const query = useQuery({
    ...filterOptions,
    select: (options) => ({
      today: labToday(options.lab_timezone, Date.now()),
      slaHours: options.sla_hours,
    }),
  });
  return {
    today: query.data?.today ?? null,
    slaHours: query.data?.slaHours ?? null,
    error: query.error,
  };
}
