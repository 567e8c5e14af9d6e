import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { DataTable, type Column } from '../../../components/DataTable';
import { Panel } from '../../../components/Panel';
import type { NewCustomer, TopCustomer } from '../../../api/types';
import { formatInstant } from '../../../lib/format';
import type { Filters } from '../../filters/hooks/useFilters';
import { useLabZone } from '../../filters/hooks/useLab';
import { newCustomersQuery, topCustomersQuery } from '../api/queries';

const TOP_COLUMNS: Column<TopCustomer>[] = [
  { key: 'name', header: 'Customer', kind: 'text', value: (row) => row.name },
  { key: 'tests', header: 'Tests', kind: 'number', value: (row) => row.tests },
  { key: 'reported', header: 'Reported', kind: 'number', value: (row) => row.tests_reported },
];

function newColumns(timeZone: string | undefined): Column<NewCustomer>[] {
  return [
    { key: 'name', header: 'Customer', kind: 'text', value: (row) => row.name },
    {
      key: 'created',
      header: 'Created',
      kind: 'text',
      value: (row) => row.created_at ?? null,
      render: (row) => formatInstant(row.created_at, timeZone),
    },
  ];
}

/**
 * The customer panels rank and list every customer (as the earlier tool's
 * routes did): a customer, order or state filter does not narrow them,
 * and they say so while one is set.
 */
function UnfilteredNote({ filters }: { filters: Filters }) {
  const narrowed =
    filters.customerId !== undefined || filters.orderId !== undefined || filters.state;
  return narrowed ? (
    <p className="muted" data-testid="unfiltered-note">
      All customers: the customer, order and state filters do not apply here.
    </p>
  ) : null;
}

export function TopCustomers({ filters }: { filters: Filters }) {
  const top = useQuery(topCustomersQuery(filters));
  return (
    <Panel
      title="Top customers by tests"
      loading={top.isPending || !filters.range}
      error={top.error ?? filters.labError}
      empty={top.data?.customers.length === 0}
      testId="top-customers"
    >
      <UnfilteredNote filters={filters} />
      <DataTable
        caption="Top customers by tests"
        columns={TOP_COLUMNS}
        rows={top.data?.customers ?? []}
        rowKey={(row) => row.id}
        exportName="top-customers"
        sortable
      />
    </Panel>
  );
}

export function NewCustomers({ filters }: { filters: Filters }) {
  const fresh = useQuery(newCustomersQuery(filters));
  const zone = useLabZone();
  const columns = useMemo(() => newColumns(zone), [zone]);
  return (
    <Panel
      title="New customers"
      loading={fresh.isPending || !filters.range}
      error={fresh.error ?? filters.labError}
      empty={fresh.data?.customers.length === 0}
      emptyText="No new customers in this range."
      testId="new-customers"
    >
      <UnfilteredNote filters={filters} />
      <DataTable
        caption="New customers"
        columns={columns}
        rows={fresh.data?.customers ?? []}
        rowKey={(row) => row.id}
        exportName="new-customers"
      />
    </Panel>
  );
}
