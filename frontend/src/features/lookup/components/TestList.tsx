import { useMemo } from 'react';
import type { components } from '../../../api/schema';
import { DataTable, type Column } from '../../../components/DataTable';
import { formatHours, formatInstant } from '../../../lib/format';
import { useLabZone } from '../../filters/hooks/useLab';
import { RecordLink } from './RecordLink';

type TestSummary = components['schemas']['TestSummary'];

function columns(timeZone: string | undefined): Column<TestSummary>[] {
  return [
    {
      key: 'test',
      header: 'Test',
      kind: 'number',
      value: (test) => test.id,
      render: (test) => <RecordLink kind="test" id={test.id} text={test.label_abbr} />,
    },
    { key: 'label', header: 'Label', kind: 'text', value: (test) => test.label_abbr ?? null },
    { key: 'state', header: 'State', kind: 'text', value: (test) => test.state ?? null },
    {
      key: 'created',
      header: 'Created',
      kind: 'text',
      value: (test) => test.date_created ?? null,
      render: (test) => formatInstant(test.date_created, timeZone),
    },
    {
      key: 'reported',
      header: 'Reported',
      kind: 'text',
      value: (test) => test.report_completed_date ?? null,
      render: (test) => formatInstant(test.report_completed_date, timeZone),
    },
    {
      key: 'tat',
      header: 'TAT (h)',
      kind: 'number',
      value: (test) => test.tat_hours ?? null,
      render: (test) => formatHours(test.tat_hours),
    },
    { key: 'sla', header: 'SLA', kind: 'text', value: (test) => String(test.sla_status) },
  ];
}

/** The tests of a sample, each linked to its own page, exportable as CSV. */
export function TestList({
  tests,
  exportName,
}: {
  tests: readonly TestSummary[];
  exportName: string;
}) {
  const zone = useLabZone();
  const listed = useMemo(() => columns(zone), [zone]);
  if (tests.length === 0) {
    return <p className="muted">No tests.</p>;
  }
  return (
    <DataTable
      caption="Tests"
      columns={listed}
      rows={tests}
      rowKey={(test) => test.id}
      exportName={exportName}
      sortable
    />
  );
}
