import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { KpiCard } from '../../../components/KpiCard';
import { Panel } from '../../../components/Panel';
import { formatCount } from '../../../lib/format';
import { positiveInt } from '../../filters/api/params';
import { useSetParams, type Filters } from '../../filters/hooks/useFilters';
import { testsOverviewQuery } from '../api/queries';
import { CountTable } from './CountTable';

/**
 * Tests created in the range, or every test of one batch (kept in the
 * URL): a batch is counted whole, whatever the range.
 */
export function TestsPanels({ filters }: { filters: Filters }) {
  const [params] = useSearchParams();
  const setParams = useSetParams();
  const batchParam = params.get('batch') ?? '';
  const batchId = positiveInt(batchParam);
  const [batch, setBatch] = useState(batchParam);
  const tests = useQuery(testsOverviewQuery(filters, batchId));
  const data = tests.data;
  const loading = tests.isPending || (!filters.range && batchId === undefined);
  const error = tests.error ?? (batchId === undefined ? filters.labError : null);
  return (
    <>
      <Panel
        title="Tests"
        loading={loading}
        error={error}
        className="wide"
        testId="tests-kpis"
        controls={
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              setParams({ batch: batch.trim() });
            }}
          >
            <label>
              Batch
              <input
                name="batch"
                inputMode="numeric"
                pattern="[0-9]*"
                placeholder="any"
                value={batch}
                onChange={(event) => setBatch(event.target.value)}
              />
            </label>
            <button type="submit" className="secondary">
              Filter
            </button>
          </form>
        }
      >
        <div className="kpis">
          <KpiCard testId="tests-total" label="Tests" value={formatCount(data?.kpis.total_tests)} />
          <KpiCard
            testId="tests-completed"
            label="Completed"
            value={formatCount(data?.kpis.completed_tests)}
          />
          <KpiCard
            testId="tests-pending"
            label="Pending"
            value={formatCount(data?.kpis.pending_tests)}
          />
          <KpiCard
            testId="tests-closed"
            label="Closed without report"
            value={formatCount(data?.kpis.closed_tests)}
          />
        </div>
        {batchId !== undefined && (
          <p className="muted" data-testid="batch-note">
            Every test of batch {batchId}, whatever the date range.
          </p>
        )}
      </Panel>
      <Panel
        title="Tests by state"
        loading={loading}
        error={error}
        empty={data?.by_state.length === 0}
      >
        <CountTable
          caption="Tests by state"
          header="State"
          rows={(data?.by_state ?? []).map((row) => ({ name: row.key, count: row.count }))}
          exportName="tests-by-state"
          testId="tests-by-state"
        />
      </Panel>
      <Panel
        title="Tests by label"
        loading={loading}
        error={error}
        empty={data?.by_label.length === 0}
      >
        <CountTable
          caption="Tests by label"
          header="Assay label"
          rows={(data?.by_label ?? []).map((row) => ({ name: row.label, count: row.count }))}
          exportName="tests-by-label"
          testId="tests-by-label"
        />
      </Panel>
    </>
  );
}
