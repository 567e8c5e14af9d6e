import type { ReactNode } from 'react';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../../../api/client';
import type { SlaStatus } from '../../../api/types';
import { Panel } from '../../../components/Panel';
import { formatCount, formatHours, formatInstant } from '../../../lib/format';
import { useLabZone } from '../../filters/hooks/useLab';
import { orderQuery, sampleQuery, testQuery } from '../api/queries';
import { Fields } from './Fields';
import { BatchLink, RecordLink } from './RecordLink';
import { TestList } from './TestList';

/** A 404 reads as "not found", whatever hid the record. */
function lookupError(error: Error | null): Error | null {
  if (error instanceof ApiError && error.status === 404) {
    return new Error('No visible record has this id.');
  }
  return error;
}

/** The panel of one looked-up record, in its loading, error or found state. */
function RecordPanel<T>({
  title,
  query,
  children,
}: {
  title: string;
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
}) {
  return (
    <Panel
      title={title}
      loading={query.isPending}
      error={lookupError(query.error)}
      className="wide"
      testId="record"
    >
      {query.data !== undefined && children(query.data)}
    </Panel>
  );
}

/** A record's SLA status with the hours it is measured against. */
function slaText(record: { sla_status: SlaStatus; sla_hours: number }): string {
  return `${record.sla_status} (${record.sla_hours} h)`;
}

function Batches({
  batches,
}: {
  batches: readonly { id: number; display_name?: string | null }[];
}) {
  if (batches.length === 0) {
    return <>none</>;
  }
  return (
    <span className="link-list">
      {batches.map((batch) => (
        <BatchLink key={batch.id} id={batch.id} name={batch.display_name} />
      ))}
    </span>
  );
}

export function SampleDetails({ id, slaHours }: { id: number; slaHours: number | undefined }) {
  const zone = useLabZone();
  return (
    <RecordPanel title={`Sample ${id}`} query={useQuery(sampleQuery(id, slaHours))}>
      {(data) => (
        <>
          <Fields
            rows={[
              ['Name', data.sample.sample_name],
              ['Formatted id', data.sample.custom_formatted_id],
              ['State', data.sample.state],
              ['Matrix type', data.sample.matrix_type],
              ['Created', formatInstant(data.sample.date_created, zone)],
              ['Started', formatInstant(data.sample.start_date, zone)],
              ['Completed', formatInstant(data.sample.completed_date, zone)],
              ['SLA', slaText(data.sample)],
              [
                'Order',
                <RecordLink key="o" kind="order" id={data.order.id} text={data.order.state} />,
              ],
              ['Customer', data.order.customer.name],
              ['Batches', <Batches key="b" batches={data.batches} />],
            ]}
          />
          <h3>Tests</h3>
          <TestList tests={data.tests} exportName={`sample-${id}-tests`} />
        </>
      )}
    </RecordPanel>
  );
}

export function TestDetails({ id, slaHours }: { id: number; slaHours: number | undefined }) {
  const zone = useLabZone();
  return (
    <RecordPanel title={`Test ${id}`} query={useQuery(testQuery(id, slaHours))}>
      {(data) => (
        <Fields
          rows={[
            ['Assay label', data.test.label_abbr],
            ['State', data.test.state],
            ['Has report', data.test.has_report ? 'yes' : 'no'],
            ['Created', formatInstant(data.test.date_created, zone)],
            ['Reported', formatInstant(data.test.report_completed_date, zone)],
            ['TAT', formatHours(data.test.tat_hours)],
            ['SLA', slaText(data.test)],
            [
              'Sample',
              <RecordLink
                key="s"
                kind="sample"
                id={data.sample.id}
                text={data.sample.sample_name}
              />,
            ],
            [
              'Order',
              <RecordLink key="o" kind="order" id={data.order.id} text={data.order.state} />,
            ],
            ['Customer', data.order.customer.name],
            ['Batches', <Batches key="b" batches={data.batches} />],
          ]}
        />
      )}
    </RecordPanel>
  );
}

export function OrderDetails({ id, slaHours }: { id: number; slaHours: number | undefined }) {
  const zone = useLabZone();
  return (
    <RecordPanel title={`Order ${id}`} query={useQuery(orderQuery(id, slaHours))}>
      {(data) => (
        <>
          <Fields
            rows={[
              ['Formatted id', data.order.custom_formatted_id],
              ['State', data.order.state],
              ['Customer', data.customer.name],
              ['Created', formatInstant(data.order.date_created, zone)],
              ['Received', formatInstant(data.order.date_received, zone)],
              ['Completed', formatInstant(data.order.date_completed, zone)],
              ['Reported', formatInstant(data.order.date_order_reported, zone)],
              ['Age', formatHours(data.order.age_hours)],
              ['SLA', slaText(data.order)],
              ['Pending samples', formatCount(data.order.pending_samples)],
              ['Pending tests', formatCount(data.order.pending_tests)],
            ]}
          />
          <h3>Samples</h3>
          {(data.samples ?? []).length === 0 && <p className="muted">No samples.</p>}
          {(data.samples ?? []).map((sample) => (
            <div key={sample.id} className="child">
              <RecordLink kind="sample" id={sample.id} text={sample.sample_name} />{' '}
              <span className="muted">
                {sample.state ?? '–'} · {formatCount(sample.pending_tests)} pending tests
              </span>
              {sample.tests && (
                <TestList tests={sample.tests} exportName={`sample-${sample.id}-tests`} />
              )}
            </div>
          ))}
        </>
      )}
    </RecordPanel>
  );
}
