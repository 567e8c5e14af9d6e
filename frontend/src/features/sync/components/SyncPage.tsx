import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { DataTable, type Column } from '../../../components/DataTable';
import { Panel } from '../../../components/Panel';
import type { EntitySyncHealth, SkippedRecordView } from '../../../api/types';
import { formatCount, formatDuration, formatInstant } from '../../../lib/format';
import { useLabZone } from '../../filters/hooks/useLab';
import { RecordLink } from '../../lookup/components/RecordLink';
import { syncHealthQuery } from '../api/queries';

/** A column of instants, shown in the lab's `zone`. */
function instant<Row>(
  zone: string | undefined,
  key: string,
  header: string,
  pick: (row: Row) => string | null | undefined,
) {
  return {
    key,
    header,
    kind: 'text',
    value: (row: Row) => pick(row) ?? null,
    render: (row: Row) => formatInstant(pick(row), zone),
  } satisfies Column<Row>;
}

const entityColumns = (zone: string | undefined): Column<EntitySyncHealth>[] => [
  { key: 'entity', header: 'Entity', kind: 'text', value: (row) => row.entity },
  instant(zone, 'checkpoint', 'Complete up to', (row) => row.checkpoint_at),
  {
    key: 'lag',
    header: 'Lag',
    kind: 'number',
    value: (row) => row.lag_seconds ?? null,
    render: (row) => formatDuration(row.lag_seconds),
  },
  {
    key: 'status',
    header: 'Checkpoint',
    kind: 'text',
    value: (row) => row.checkpoint_status ?? null,
  },
  {
    key: 'run',
    header: 'Last run',
    kind: 'text',
    value: (row) =>
      row.last_run_status ? `${row.last_run_mode ?? ''} ${row.last_run_status}`.trim() : null,
  },
  instant(zone, 'started', 'Run started', (row) => row.last_run_started_at),
  instant(zone, 'completed', 'Run loaded', (row) => row.last_run_completed_at),
  {
    key: 'pages',
    header: 'Pages loaded',
    kind: 'text',
    value: (row) =>
      row.last_run_total_pages != null
        ? `${row.last_run_complete_pages ?? 0} / ${row.last_run_total_pages}`
        : null,
  },
  { key: 'message', header: 'Message', kind: 'text', value: (row) => row.last_run_message ?? null },
];

const LINKABLE = new Set(['sample', 'test', 'order']);

const skippedColumns = (zone: string | undefined): Column<SkippedRecordView>[] => [
  { key: 'entity', header: 'Entity', kind: 'text', value: (row) => row.entity },
  { key: 'id', header: 'Id', kind: 'number', value: (row) => row.record_id },
  { key: 'reason', header: 'Reason', kind: 'text', value: (row) => row.reason },
  {
    key: 'parent',
    header: 'Missing parent',
    kind: 'text',
    value: (row) =>
      row.missing_parent_entity
        ? `${row.missing_parent_entity} ${row.missing_parent_id ?? ''}`
        : null,
    render: (row) =>
      row.missing_parent_entity &&
      row.missing_parent_id != null &&
      LINKABLE.has(row.missing_parent_entity) ? (
        <RecordLink
          kind={row.missing_parent_entity as 'sample' | 'test' | 'order'}
          id={row.missing_parent_id}
        />
      ) : (
        `${row.missing_parent_entity ?? '–'} ${row.missing_parent_id ?? ''}`
      ),
  },
  { key: 'attempts', header: 'Attempts', kind: 'number', value: (row) => row.attempts },
  { key: 'error', header: 'Last error', kind: 'text', value: (row) => row.last_error },
  instant(zone, 'last', 'Last attempt', (row) => row.last_attempt_at),
];

/** How current the mirror is, entity by entity, and what was set aside. */
export function SyncPage() {
  const health = useQuery(syncHealthQuery);
  const data = health.data;
  const zone = useLabZone();
  const entities = useMemo(() => entityColumns(zone), [zone]);
  const skipped = useMemo(() => skippedColumns(zone), [zone]);
  return (
    <div className="page">
      <h1>Sync health</h1>
      {data && (
        <p className="muted">
          Checked {formatInstant(data.checked_at, zone)}; lag is the time since the checkpoint.
        </p>
      )}
      <div className="grid">
        <Panel
          title="Entities"
          loading={health.isPending}
          error={health.error}
          className="wide"
          testId="sync-entities"
        >
          <DataTable
            caption="Sync state per entity"
            columns={entities}
            rows={data?.entities ?? []}
            rowKey={(row) => row.entity}
            exportName="sync-entities"
            testId="sync-entities-table"
          />
        </Panel>
        <Panel
          title={`Records set aside${data ? ` (${formatCount(data.skipped_total)})` : ''}`}
          loading={health.isPending}
          error={health.error}
          empty={data?.skipped.length === 0}
          emptyText="No record is set aside."
          className="wide"
          testId="sync-skipped"
        >
          <DataTable
            caption="Records set aside"
            columns={skipped}
            rows={data?.skipped ?? []}
            rowKey={(row) => `${row.entity}-${row.record_id}`}
            exportName="skipped-records"
            sortable
          />
          {data && data.skipped_total > data.skipped.length && (
            <p className="muted">
              Showing the {data.skipped.length} newest of {formatCount(data.skipped_total)}.
            </p>
          )}
        </Panel>
      </div>
    </div>
  );
}
