import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { previousRange, resolveRange, type DayRange } from '../api/range';
import { useLabToday } from './useLabToday';

/** The shared filters, as every page reads them from the URL. */
export interface Filters {
  range: DayRange | null;
  previous: DayRange | null;
  customerId: number | undefined;
  orderId: number | undefined;
  state: string | undefined;
  slaHours: number;
}

export const DEFAULT_SLA_HOURS = 48;

function positiveInt(value: string | null): number | undefined {
  if (!value || !/^\d+$/.test(value)) {
    return undefined;
  }
  const number = Number(value);
  return number > 0 && number <= 2_147_483_647 ? number : undefined;
}

export function useFilters(): Filters & { labError: Error | null } {
  const [params] = useSearchParams();
  const { today, error } = useLabToday();
  return useMemo(() => {
    const range = resolveRange(params, today);
    const sla = Number(params.get('sla'));
    return {
      range,
      previous: range ? previousRange(range) : null,
      customerId: positiveInt(params.get('customer')),
      orderId: positiveInt(params.get('order')),
      state: params.get('state') || undefined,
      slaHours: Number.isFinite(sla) && sla > 0 ? sla : DEFAULT_SLA_HOURS,
      labError: error,
    };
  }, [params, today, error]);
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
