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

/** A QBench id: a whole number from 1 to the largest 32-bit one. */
function parseId(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) {
    return undefined;
  }
  const id = Number(trimmed);
  return id >= 1 && id <= 2_147_483_647 ? id : undefined;
}

function Lookup() {
  const params = useParams();
  const navigate = useNavigate();
  const { slaHours } = useFilters();
  const kindKnown = params.kind === undefined || isKind(params.kind);
  const kind: RecordKind = isKind(params.kind) ? params.kind : 'sample';
  const addressId = params.id === undefined ? undefined : parseId(params.id);
  // An address naming no record (typed or copied badly) says so rather
  // than showing an empty form or another kind's record.
  const badAddress = !kindKnown || (params.id !== undefined && addressId === undefined);
  const id = kindKnown ? addressId : undefined;
  const [formKind, setFormKind] = useState<RecordKind>(kind);
  const [formId, setFormId] = useState(params.id ?? '');
  const [invalid, setInvalid] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseId(formId);
    if (parsed === undefined) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    navigate(`/lookup/${formKind}/${parsed}`);
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
          {badAddress && !invalid && (
            <p role="alert" className="error-text">
              This address names no record: the kind is sample, test or order, and the id a whole
              number above zero.
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
