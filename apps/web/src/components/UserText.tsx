import { createElement, Fragment, type ReactNode } from 'react';

/**
 * Text a person typed (a name, a note, a reason…), shown with its own direction and isolated
 * from the words around it: a right-to-left name, or a bidi control such as U+202E, cannot
 * reorder the sentence it sits in. `<bdi>` takes its direction from its own first strong
 * character. Blocks of user text (a cell, a paragraph) take `dir="auto"` instead.
 */
export function UserText({ children }: { children: ReactNode }) {
  return <bdi>{children}</bdi>;
}

type Translate = (key: string, values: Record<string, unknown>) => string;

// Private-use characters: no translation contains them, so they mark where each value goes.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARK = new RegExp(`${OPEN}(\\d+)${CLOSE}`);

/**
 * A translated sentence with user text in it, each value in its own `<bdi>`. `plain` values
 * (counts, dates the app formatted) are interpolated as they are.
 */
export function userTextIn(
  t: Translate,
  key: string,
  user: Record<string, string | null | undefined>,
  plain: Record<string, unknown> = {},
): ReactNode {
  const names = Object.keys(user);
  const marks = Object.fromEntries(names.map((name, i) => [name, `${OPEN}${i}${CLOSE}`]));
  // split() with a capturing group alternates text and value indexes.
  const parts = t(key, { ...plain, ...marks }).split(MARK);
  const children = parts.map((part, i) =>
    i % 2 === 0 ? part : createElement('bdi', null, user[names[Number(part)]!] ?? ''),
  );
  // As arguments, not an array: the parts are fixed, so they need no keys.
  return createElement(Fragment, null, ...children);
}
