import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../../api/client';

export const KINDS = ['sample', 'test', 'order'] as const;
export type RecordKind = (typeof KINDS)[number];

export function isKind(value: string | undefined): value is RecordKind {
  return KINDS.some((kind) => kind === value);
}

export function sampleQuery(id: number, slaHours: number | undefined) {
  return queryOptions({
    queryKey: ['entity', 'sample', id, slaHours],
    queryFn: ({ signal }) =>
      apiGet('/api/v1/entities/samples/{id}', {
        path: { id },
        query: { sla_hours: slaHours },
        signal,
      }),
  });
}

export function testQuery(id: number, slaHours: number | undefined) {
  return queryOptions({
    queryKey: ['entity', 'test', id, slaHours],
    queryFn: ({ signal }) =>
      apiGet('/api/v1/entities/tests/{id}', {
        path: { id },
        query: { sla_hours: slaHours },
        signal,
      }),
  });
}

export function orderQuery(id: number, slaHours: number | undefined) {
  return queryOptions({
    queryKey: ['entity', 'order', id, slaHours],
    queryFn: ({ signal }) =>
      apiGet('/api/v1/entities/orders/{id}', {
        path: { id },
        query: { sla_hours: slaHours, include_samples: true, include_tests: true },
        signal,
      }),
  });
}
