import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Panel } from '../../../components/Panel';
import { useFilters } from '../../filters/hooks/useFilters';
import { KINDS, isKind, type RecordKind } from '../api/queries';
import { OrderDetails, SampleDetails, TestDetails } from './RecordDetails';

/** Find a sample, test or order by its QBench id, then walk its relatives. */
export function LookupPage() {
  const params = useParams();
  // A new record (from a link) starts the form afresh.
  return <Lookup key={`${params.kind}/${params.id}`} />;
}

function Lookup() {
  const params = useParams();
  const navigate = useNavigate();
  const { slaHours } = useFilters();
  const kind: RecordKind = isKind(params.kind) ? params.kind : 'sample';
  const id = params.id && /^\d{1,10}$/.test(params.id) ? Number(params.id) : undefined;
  const [formKind, setFormKind] = useState<RecordKind>(kind);
  const [formId, setFormId] = useState(params.id ?? '');
  const [invalid, setInvalid] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = formId.trim();
    if (!/^\d{1,10}$/.test(text) || Number(text) > 2_147_483_647 || Number(text) < 1) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    navigate(`/lookup/${formKind}/${text}`);
  }

  return (
    <div className="page">
      <h1>Record lookup</h1>
      <div className="grid">
        <Panel title="Find a record" className="wide">
          <form className="inline-form lookup-form" onSubmit={submit}>
            <label>
              Kind
              <select
                name="kind"
                value={formKind}
                onChange={(event) => setFormKind(event.target.value as RecordKind)}
              >
                {KINDS.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Id
              <input
                name="id"
                inputMode="numeric"
                value={formId}
                onChange={(event) => setFormId(event.target.value)}
                aria-invalid={invalid}
                aria-describedby={invalid ? 'id-error' : undefined}
              />
            </label>
            <button type="submit">Find</button>
          </form>
          {invalid && (
            <p id="id-error" role="alert" className="error-text">
              An id is a whole number above zero.
            </p>
          )}
        </Panel>
        {id !== undefined && kind === 'sample' && (
          <SampleDetails key={id} id={id} slaHours={slaHours} />
        )}
        {id !== undefined && kind === 'test' && (
          <TestDetails key={id} id={id} slaHours={slaHours} />
        )}
        {id !== undefined && kind === 'order' && (
          <OrderDetails key={id} id={id} slaHours={slaHours} />
        )}
      </div>
    </div>
  );
}
