/**
 * The options of a select that picks a member by public key (a filter by author or actor, the
 * admin to grant access to): first the empty choice (`none`: "everyone", "anyone", "choose…"),
 * then one option a member. Display names are typed by people, so each keeps its own direction.
 */
export function MemberOptions({
  none,
  members,
}: {
  none: string;
  members: readonly { id: string; pubkey: string; displayName: string }[];
}) {
  return (
    <>
      <option value="">{none}</option>
      {members.map((m) => (
        <option key={m.id} value={m.pubkey} dir="auto">
          {m.displayName}
        </option>
      ))}
    </>
  );
}
