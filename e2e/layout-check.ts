import type { Page } from '@playwright/test';

/**
 * What a translated screen must not do: scroll sideways, or cut words off. Checked in the page
 * so one pass over the elements costs milliseconds.
 *
 * - The document is wider than the window (a long word or a fixed width pushed it out).
 * - Something with text sticks out past the window's left or right edge outside any scroll
 *   container (overflow hidden on <body> would hide the sideways scroll, not the cut-off text).
 * - A box that hides its overflow (overflow hidden or clip) holds more text than it shows.
 *
 * Truncation that is meant is left alone: text-overflow ellipsis, a `title` with the whole
 * text, a `data-truncate` marker, scroll containers (overflow auto/scroll: a wide table scrolls
 * inside its wrapper on purpose), and the visually hidden texts for screen readers.
 */
export interface LayoutProblem {
  kind: 'page-overflow' | 'off-screen' | 'clipped';
  element: string;
  detail: string;
}

export function layoutProblems(page: Page): Promise<LayoutProblem[]> {
  return page.evaluate(() => {
    const problems: { kind: 'page-overflow' | 'off-screen' | 'clipped'; element: string; detail: string }[] =
      [];
    const width = window.innerWidth;
    const nameOf = (el: Element): string => {
      const id = el.id ? `#${el.id}` : '';
      const testId = el.getAttribute('data-testid');
      const cls =
        typeof el.className === 'string' && el.className.trim()
          ? `.${el.className.trim().split(/\s+/).slice(0, 2).join('.')}`
          : '';
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 50);
      return `${el.tagName.toLowerCase()}${id}${cls}${testId ? `[data-testid=${testId}]` : ''} "${text}"`;
    };
    const scrollingElement = document.scrollingElement ?? document.documentElement;
    if (scrollingElement.scrollWidth > width + 1)
      problems.push({
        kind: 'page-overflow',
        element: 'document',
        detail: `scrollWidth ${scrollingElement.scrollWidth} > window ${width}`,
      });

    /** Hidden on purpose: not rendered, or the 1 px box of a screen-reader-only text. */
    const unseen = (el: Element, style: CSSStyleDeclaration, rect: DOMRect) =>
      style.display === 'none' ||
      style.visibility === 'hidden' ||
      rect.width <= 1 ||
      rect.height <= 1 ||
      el.closest('.visually-hidden, .sr-only, [aria-hidden="true"], .skip-link, [hidden]') !== null;
    const scrolls = (style: CSSStyleDeclaration) =>
      /auto|scroll/.test(style.overflowX) || /auto|scroll/.test(style.overflow);
    const meantToTruncate = (el: Element, style: CSSStyleDeclaration) =>
      style.textOverflow === 'ellipsis' ||
      el.hasAttribute('title') ||
      el.closest('[data-truncate]') !== null ||
      Number.parseInt(style.webkitLineClamp || '0', 10) > 0;
    /** The nearest ancestor that scrolls sideways: what sticks out of the window there can be scrolled to. */
    const inScroller = (el: Element): boolean => {
      for (let node = el.parentElement; node && node !== document.body; node = node.parentElement)
        if (scrolls(getComputedStyle(node))) return true;
      return false;
    };
    const hasOwnText = (el: Element) =>
      [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');

    for (const el of document.body.querySelectorAll('*')) {
      if (el instanceof SVGElement || el.tagName === 'CANVAS' || el.tagName === 'OPTION') continue;
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (unseen(el, style, rect)) continue;
      const html = el as HTMLElement;

      // A text-bearing element past the window's edge, with nothing to scroll it into view.
      if (
        (hasOwnText(el) || /^(INPUT|SELECT|TEXTAREA|BUTTON|IMG)$/.test(el.tagName)) &&
        (rect.right > width + 1 || rect.left < -1) &&
        style.position !== 'fixed' &&
        !inScroller(el)
      )
        problems.push({
          kind: 'off-screen',
          element: nameOf(el),
          detail: `spans ${Math.round(rect.left)}…${Math.round(rect.right)} in a ${width} px window`,
        });

      // A box that hides what does not fit, and does not fit its text.
      const hides = /hidden|clip/.test(style.overflowX) || /hidden|clip/.test(style.overflowY);
      if (!hides || meantToTruncate(el, style) || (el.textContent ?? '').trim() === '') continue;
      const wide = /hidden|clip/.test(style.overflowX) && html.scrollWidth > html.clientWidth + 1;
      const tall = /hidden|clip/.test(style.overflowY) && html.scrollHeight > html.clientHeight + 2;
      if (wide || tall)
        problems.push({
          kind: 'clipped',
          element: nameOf(el),
          detail: wide
            ? `text ${html.scrollWidth} px wide in a ${html.clientWidth} px box`
            : `text ${html.scrollHeight} px tall in a ${html.clientHeight} px box`,
        });
    }
    return problems;
  });
}
