import type { Member } from '../domain/actor.js';
import { forbidden } from '../domain/errors.js';

/**
 * The author conditions of a member's list of sealed records (notes, reports): their own records
 * unless `everyone` (granted only to those who read all), and a filter by author key, which for
 * another member's key needs read-all (`refusal` says which permission).
 */
export function authorScope(
  caller: Member,
  authorPubkey: string | undefined,
  { readsAll, everyone, refusal }: { readsAll: boolean; everyone: boolean; refusal: string },
): { authorId?: string; authorPubkey?: string } {
  if (authorPubkey && !readsAll && authorPubkey !== caller.pubkey) throw forbidden(refusal);
  return {
    ...(everyone ? {} : { authorId: caller.userId }),
    ...(authorPubkey ? { authorPubkey } : {}),
  };
}
