import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ignoredParams, positiveInt, slaParam } from '../api/params';
import { previousRange, resolveRange, type DayRange } from '../api/range';
import { useLabDefaults } from './useLab';

/** The shared filters, as every page reads them from the URL. */
export interface Filters {
  range: DayRange | null;
  previous: DayRange | null;
  customerId: number | undefined;
  orderId: number | undefined;
  state: string | undefined;
  /** The URL's `sla`, sent as `sla_hours`; unset, the API applies the lab's. */
  slaHours: number | undefined;
  /** The SLA the figures are judged by, for labels; null until known. */
  slaShown: number | null;
  /** Parameters of the address that could not be read and are left out. */
  ignored: string[];
  /**
   * Why the lab's calendar and SLA could not be read; the panels that wait
   * for its days show it rather than wait for ever.
   */
  labError: Error | null;
}

export function useFilters(): Filters {
  const [params] = useSearchParams();
  const { today, slaHours: labSla, error } = useLabDefaults();
  return useMemo(() => {
    const range = resolveRange(params, today);
    const slaHours = slaParam(params.get('sla'));
    return {
      range,
      previous: range ? previousRange(range) : null,
      customerId: positiveInt(params.get('customer')),
      orderId: positiveInt(params.get('order')),
      state: params.get('state') || undefined,
      slaHours,
      slaShown: slaHours ?? labSla,
      ignored: ignoredParams(params),
      labError: error,
    };
  }, [params, today, labSla, error]);
}

/** The query parameters of the range and filters, as the API names them. */
export function rangeQuery(filters: Filters, range: DayRange | null = filters.range) {
  return {
    date_from: range?.from,
    date_to: range?.to,
    customer_id: filters.customerId,
    order_id: filters.orderId,
    state: filters.state,
  };
}

/** Sets or removes URL parameters, keeping the others. */
export function useSetParams(): (changes: Record<string, string | null>) => void {
  const [, setParams] = useSearchParams();
  return useCallback(
    (changes) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === '') {
              next.delete(key);
            } else {
              next.set(key, value);
            }
          }
          return next;
        },
        { replace: false },
      ),
    [setParams],
  );
}
