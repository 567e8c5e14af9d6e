import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Filters } from '../../filters/hooks/useFilters';
import { activityQuery } from '../api/queries';
import { ActivityChart } from './ActivityChart';

const filters: Filters = {
  range: { from: '2026-03-01', to: '2026-03-03' },
  previous: { from: '2026-02-26', to: '2026-02-28' },
  customerId: undefined,
  orderId: undefined,
  state: undefined,
  slaHours: undefined,
  slaShown: 48,
  ignored: [],
  labError: null,
};

/** The chart with the API's answer already at hand. */
function renderWith(previous: boolean) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity } },
  });
  client.setQueryData(activityQuery(filters).queryKey, {
    current: [{ date: '2026-03-02', samples: 4, tests: 9, tests_reported: 2 }],
    previous: previous ? [{ date: '2026-02-27', samples: 1, tests: 3, tests_reported: 0 }] : null,
  });
  render(
    <QueryClientProvider client={client}>
      <ActivityChart filters={filters} />
    </QueryClientProvider>,
  );
}

/** The figures table, opened as a reader would open it, by rows of cells. */
async function figures(): Promise<string[][]> {
  await userEvent.setup().click(screen.getByText('Figures as a table'));
  const table = screen.getByRole('table', { name: 'Samples, tests and reports per day' });
  return within(table)
    .getAllByRole('row')
    .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent ?? ''));
}

describe('ActivityChart', () => {
  it('gives every day of the range as text, the previous period beside it', async () => {
    renderWith(true);

    expect(await figures()).toEqual([
      [
        'Day',
        'Samples',
        'Tests',
        'Tests reported',
        'Previous day',
        'Samples, previous period',
        'Tests, previous period',
        'Tests reported, previous period',
      ],
      ['2026-03-01', '0', '0', '0', '2026-02-26', '0', '0', '0'],
      ['2026-03-02', '4', '9', '2', '2026-02-27', '1', '3', '0'],
      ['2026-03-03', '0', '0', '0', '2026-02-28', '0', '0', '0'],
    ]);
  });

  it('leaves the previous period out of the figures when the API gives none', async () => {
    renderWith(false);

    expect(await figures()).toEqual([
      ['Day', 'Samples', 'Tests', 'Tests reported'],
      ['2026-03-01', '0', '0', '0'],
      ['2026-03-02', '4', '9', '2'],
      ['2026-03-03', '0', '0', '0'],
    ]);
  });
});
