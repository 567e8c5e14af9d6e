import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { DataTable, type Column } from './DataTable';

interface Row {
  id: number;
  name: string;
  tests: number;
}

const columns: Column<Row>[] = [
  { key: 'name', header: 'Customer', kind: 'text', value: (row) => row.name },
  { key: 'tests', header: 'Tests', kind: 'number', value: (row) => row.tests },
];

const rows: Row[] = [
  { id: 1, name: '<img src=x onerror=alert(1)>', tests: 5 },
  { id: 2, name: 'Acme </script> Labs', tests: 12 },
  { id: 3, name: '=HYPERLINK("http://x","y")', tests: -1 },
];

function table() {
  render(
    <DataTable
      caption="Customers"
      columns={columns}
      rows={rows}
      rowKey={(row) => row.id}
      exportName="customers"
      sortable
    />,
  );
  return screen.getByRole('table');
}

describe('DataTable', () => {
  it('shows record text literally and never as markup', () => {
    const element = table();

    expect(within(element).getByText('<img src=x onerror=alert(1)>')).toBeInTheDocument();
    expect(within(element).getByText('Acme </script> Labs')).toBeInTheDocument();
    expect(element.querySelector('img')).toBeNull();
  });

  it('sorts by a column when its header is pressed, then reverses', async () => {
    const element = table();
    const user = userEvent.setup();
    const names = () =>
      within(element)
        .getAllByRole('row')
        .slice(1)
        .map((row) => row.querySelector('td')?.textContent);

    await user.click(within(element).getByRole('button', { name: /Tests/ }));
    expect(names()).toEqual([
      '=HYPERLINK("http://x","y")',
      '<img src=x onerror=alert(1)>',
      'Acme </script> Labs',
    ]);
    expect(within(element).getByRole('columnheader', { name: /Tests/ })).toHaveAttribute(
      'aria-sort',
      'ascending',
    );

    await user.click(within(element).getByRole('button', { name: /Tests/ }));
    expect(names()[0]).toBe('Acme </script> Labs');
  });
});
