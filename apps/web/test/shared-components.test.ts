/**
 * The shared form and table pieces render the markup the pages had when each wrote its own
 * (the Playwright journeys find fields and buttons by these labels and roles).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, RowAction } from '../src/components/DataTable.js';
import { EmptyState } from '../src/components/EmptyState.js';
import { MIN_PIN_DIGITS, newPinSchema, PinField } from '../src/components/PinField.js';
import { SubmitButton } from '../src/components/SubmitButton.js';
import { ToastProvider } from '../src/components/Toast.js';

describe('PinField', () => {
  it('is a labelled, masked, numeric, required input', () => {
    const html = renderToStaticMarkup(
      createElement(PinField, { id: 'pin', caption: 'PIN', autoComplete: 'new-password', defaultValue: '' }),
    );
    expect(html).toBe(
      '<label for="pin">PIN</label><input id="pin" type="password" inputMode="numeric" required="" autoComplete="new-password" value=""/>',
    );
  });

  it('a new PIN is digits only, at least MIN_PIN_DIGITS long', () => {
    const schema = newPinSchema('too short');
    expect(schema.safeParse('1'.repeat(MIN_PIN_DIGITS)).success).toBe(true);
    expect(schema.safeParse('1'.repeat(MIN_PIN_DIGITS - 1)).error?.issues[0]?.message).toBe('too short');
    expect(schema.safeParse('12345a').success).toBe(false);
    expect(schema.safeParse('١٢٣٤٥٦').success).toBe(false); // Arabic-Indic digits are not \d
  });
});

describe('SubmitButton', () => {
  it('is disabled and shows the busy label while sending', () => {
    const idle = renderToStaticMarkup(
      createElement(SubmitButton, { busy: false, action: 'Save', busyAction: 'Saving…' }),
    );
    const busy = renderToStaticMarkup(
      createElement(SubmitButton, { busy: true, action: 'Save', busyAction: 'Saving…' }),
    );
    expect(idle).toBe('<button type="submit">Save</button>');
    expect(busy).toBe('<button type="submit" disabled="">Saving…</button>');
  });
});

describe('DataTable', () => {
  const rows = [
    { id: 'a', name: 'Ana', roles: 2 },
    { id: 'b', name: 'Bo', roles: 1 },
  ];
  it('renders a caption, column headings, a row header and the actions column', () => {
    const html = renderToStaticMarkup(
      createElement(DataTable<(typeof rows)[number]>, {
        caption: 'Members',
        captionHidden: true,
        rows,
        rowKey: (r) => r.id,
        testId: 'members',
        columns: [
          { header: 'Name', cell: (r) => r.name, rowHeader: true },
          { header: 'Roles', cell: (r) => r.roles },
        ],
        actions: (r) => createElement(RowAction, { action: 'Edit', item: r.name, onClick: () => {} }),
      }),
    );
    expect(html).toContain('<caption class="visually-hidden">Members</caption>');
    expect(html).toContain('<th scope="col">Name</th><th scope="col">Roles</th><th scope="col">');
    expect(html).toContain('<th scope="row">Ana</th><td>2</td>');
    expect(html).toContain(
      '<div class="button-row compact"><button type="button" class="secondary">Edit<span class="visually-hidden"> Ana</span></button></div>',
    );
    expect(html.match(/<tr>/g)).toHaveLength(3);
  });

  it('leaves the actions column out when there are none', () => {
    const html = renderToStaticMarkup(
      createElement(DataTable<(typeof rows)[number]>, {
        caption: 'Members',
        rows,
        rowKey: (r) => r.id,
        columns: [{ header: 'Name', cell: (r) => r.name }],
      }),
    );
    expect(html).toContain('<caption>Members</caption>');
    expect(html).not.toContain('button-row');
  });

  it('isolates typed text (dir="auto"), keeps numbers left to right (.ltr-cell), and marks rows', () => {
    const html = renderToStaticMarkup(
      createElement(DataTable<(typeof rows)[number]>, {
        caption: 'Members',
        rows,
        rowKey: (r) => r.id,
        rowClassName: (r) => (r.id === 'b' ? 'inactive' : undefined),
        columns: [
          { header: 'Name', cell: (r) => r.name, rowHeader: true, direction: 'auto' },
          { header: 'Roles', cell: (r) => r.roles, direction: 'ltr', className: 'break' },
        ],
      }),
    );
    expect(html).toContain('<tr><th scope="row" dir="auto">Ana</th><td class="ltr-cell break">2</td></tr>');
    expect(html).toContain('<tr class="inactive"><th scope="row" dir="auto">Bo</th>');
  });

  it('says the empty sentence (as an empty state) instead of an empty table, or nothing without one', () => {
    const props = { caption: 'Members', rows: [], rowKey: () => 'x', columns: [] };
    expect(renderToStaticMarkup(createElement(DataTable, { ...props, empty: 'No members yet.' }))).toBe(
      '<p class="empty-state">No members yet.</p>',
    );
    expect(renderToStaticMarkup(createElement(DataTable, props))).toBe('');
  });
});

describe('EmptyState', () => {
  it('is one framed line (styles.css .empty-state), found by its words', () => {
    expect(renderToStaticMarkup(createElement(EmptyState, null, 'No invites yet.'))).toBe(
      '<p class="empty-state">No invites yet.</p>',
    );
  });
});

describe('ToastProvider', () => {
  it('keeps an empty live region (role="status") in the page, so the first toast is announced too', () => {
    const html = renderToStaticMarkup(createElement(ToastProvider, null, createElement('main', null, 'app')));
    expect(html).toBe(
      '<main>app</main><div role="status" class="toast-region" data-testid="toast-region"></div>',
    );
  });
});
