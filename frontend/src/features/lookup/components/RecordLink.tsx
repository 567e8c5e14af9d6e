import { Link } from 'react-router-dom';
import type { RecordKind } from '../api/queries';

/** A link to another record's lookup page; its text is shown as text. */
export function RecordLink({
  kind,
  id,
  text,
}: {
  kind: RecordKind;
  id: number;
  text?: string | null;
}) {
  return (
    <Link to={`/lookup/${kind}/${id}`} data-testid={`link-${kind}-${id}`}>
      {kind} {id}
      {text ? ` · ${text}` : ''}
    </Link>
  );
}

/** A batch has no page of its own: its link opens its tests' figures. */
export function BatchLink({ id, name }: { id: number; name?: string | null }) {
  return (
    <Link to={`/samples?batch=${id}`}>
      batch {id}
      {name ? ` · ${name}` : ''}
    </Link>
  );
}
