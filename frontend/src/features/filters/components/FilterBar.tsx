import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { DEFAULT_PRESET, PRESETS, isPreset } from '../api/range';
import { filterOptions } from '../api/queries';
import { useFilters, useSetParams } from '../hooks/useFilters';

/** Date range, customer, order and state, all kept in the URL. */
export function FilterBar() {
  const [params] = useSearchParams();
  const filters = useFilters();
  const setParams = useSetParams();
  const options = useQuery(filterOptions);
  const explicit = params.has('from') && params.has('to');
  const preset = params.get('range');
  const active = explicit ? null : isPreset(preset) ? preset : DEFAULT_PRESET;
  // The API's `state` filter compares with the order's state.
  const states = options.data?.order_states ?? [];

  return (
    <section className="filters" aria-label="Filters">
      <div className="presets" role="group" aria-label="Date range">
        {PRESETS.map(({ id, label }) => (
          <button
            key={id}
            type="button"
            aria-pressed={active === id}
            onClick={() => setParams({ range: id, from: null, to: null })}
          >
            {label}
          </button>
        ))}
      </div>
      <label>
        From
        <input
          type="date"
          name="from"
          value={filters.range?.from ?? ''}
          onChange={(event) =>
            setParams({ from: event.target.value, to: filters.range?.to ?? null, range: null })
          }
        />
      </label>
      <label>
        To
        <input
          type="date"
          name="to"
          value={filters.range?.to ?? ''}
          onChange={(event) =>
            setParams({ to: event.target.value, from: filters.range?.from ?? null, range: null })
          }
        />
      </label>
      <label>
        Customer
        <select
          name="customer"
          value={filters.customerId ?? ''}
          onChange={(event) => setParams({ customer: event.target.value })}
        >
          <option value="">All customers</option>
          {filters.customerId !== undefined &&
            options.data &&
            !options.data.customers.some((customer) => customer.id === filters.customerId) && (
              <option value={filters.customerId}>
                Customer {filters.customerId} (not in the list)
              </option>
            )}
          {options.data?.customers.map((customer) => (
            <option key={customer.id} value={customer.id}>
              {customer.name}
            </option>
          ))}
        </select>
      </label>
      <OrderFilter key={params.get('order') ?? ''} />
      <label>
        Order state
        <input
          name="state"
          list="state-options"
          placeholder="any"
          defaultValue={filters.state ?? ''}
          key={filters.state ?? ''}
          onBlur={(event) => setParams({ state: event.target.value.trim() })}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              setParams({ state: event.currentTarget.value.trim() });
            }
          }}
        />
        <datalist id="state-options">
          {states.map((state) => (
            <option key={state} value={state} />
          ))}
        </datalist>
      </label>
    </section>
  );
}

/** The order id, applied on Enter or when the field is left. */
function OrderFilter() {
  const [params] = useSearchParams();
  const setParams = useSetParams();
  const [order, setOrder] = useState(params.get('order') ?? '');
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        setParams({ order: order.trim() });
      }}
    >
      <label>
        Order
        <input
          name="order"
          inputMode="numeric"
          pattern="[0-9]*"
          placeholder="id"
          value={order}
          onChange={(event) => setOrder(event.target.value)}
          onBlur={() => setParams({ order: order.trim() })}
        />
      </label>
    </form>
  );
}
