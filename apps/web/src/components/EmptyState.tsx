import type { ReactNode } from 'react';

/**
 * What a list or table says when it has nothing to show ("No invites yet."): one quiet framed
 * line (styles.css .empty-state) where the rows would be, rather than a bare sentence that reads
 * like part of the page's text.
 */
export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty-state">{children}</p>;
}
