/**
 * A filter form's buttons (the audit log, the notes list): apply what is filled in (the form's
 * submit), or clear every filter and apply that at once.
 */
export function FilterActions({
  apply,
  clear,
  onClear,
}: {
  apply: string;
  clear: string;
  onClear: () => void;
}) {
  return (
    <div className="button-row">
      <button type="submit">{apply}</button>
      <button type="button" className="secondary" onClick={onClear}>
        {clear}
      </button>
    </div>
  );
}
