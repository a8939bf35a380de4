/**
 * The card a telephony provider and a messaging channel share (CredentialsCard, CredentialsActions,
 * CredentialsSummary) and the action button of a useSubmit: what each shows in each state, as
 * static markup.
 */
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialsActions,
  CredentialsCard,
  CredentialsSummary,
} from '../src/components/CredentialsSummary.js';
import { ActionButton } from '../src/components/SubmitButton.js';
import en from '../src/i18n/locales/en.json' with { type: 'json' };

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    lng: 'en',
    resources: { en: { translation: en } },
    interpolation: { escapeValue: false },
  });
});

type ActionButtonProps = Parameters<typeof ActionButton>[0];

const card = (over: Partial<Parameters<typeof CredentialsCard>[0]> = {}) =>
  renderToStaticMarkup(
    createElement(CredentialsCard, {
      headingId: 'prov-twilio',
      product: 'Twilio',
      state: 'Configured',
      inService: true,
      unreadable: null,
      editing: false,
      form: createElement('form', { 'data-testid': 'the-form' }),
      stored: createElement('dl', { 'data-testid': 'the-summary' }),
      actions: createElement('div', { 'data-testid': 'the-actions' }),
      ...over,
    }),
  );

const actions = (over: Partial<Parameters<typeof CredentialsActions>[0]> = {}) =>
  renderToStaticMarkup(
    createElement(CredentialsActions, {
      name: 'Twilio SMS',
      configured: true,
      setUp: 'Set up',
      remove: 'Remove',
      onEdit: () => {},
      onRemove: () => {},
      ...over,
    }),
  );

describe('CredentialsCard', () => {
  it('names the product, labels the article by its heading and colours a working state', () => {
    const html = card();
    expect(html).toContain('<article class="provider" aria-labelledby="prov-twilio">');
    expect(html).toContain(
      '<h3 id="prov-twilio">Twilio <span class="badge status-redeemed">Configured</span></h3>',
    );
    expect(card({ inService: false, state: 'Not set up' })).toContain(
      '<span class="badge ">Not set up</span>',
    );
  });

  it('warns only while the stored credentials cannot be read', () => {
    expect(card()).not.toContain('role="alert"');
    expect(card({ unreadable: 'Cannot be read' })).toContain(
      '<p role="alert" class="error">Cannot be read</p>',
    );
  });

  it('shows the form while editing, otherwise what is stored and the buttons', () => {
    const viewing = card();
    expect(viewing).toContain('the-summary');
    expect(viewing).toContain('the-actions');
    expect(viewing).not.toContain('the-form');
    const editing = card({ editing: true });
    expect(editing).toContain('the-form');
    expect(editing).not.toContain('the-summary');
    expect(editing).not.toContain('the-actions');
  });
});

describe('CredentialsActions', () => {
  it('offers Set up while nothing is stored, and no removal', () => {
    const html = actions({ configured: false });
    expect(html).toContain('Set up<span class="visually-hidden"> Twilio SMS</span>');
    expect(html).not.toContain('Remove');
  });

  it('offers Edit and Remove once stored, each naming what it acts on', () => {
    const html = actions();
    expect(html).toContain('Edit<span class="visually-hidden"> Twilio SMS</span>');
    expect(html).toContain(
      'class="secondary danger-text">Remove<span class="visually-hidden"> Twilio SMS</span>',
    );
  });

  it('leaves Edit out where there is nothing to edit (the development carrier)', () => {
    const html = actions({ editable: false });
    expect(html).not.toContain('Edit');
    expect(html).toContain('Remove');
  });
});

describe('CredentialsSummary', () => {
  it('lists the phone numbers when given, "None" for an empty list, and not at all otherwise', () => {
    const summary = (numbers?: string[]) =>
      renderToStaticMarkup(
        createElement(CredentialsSummary, {
          rows: [{ field: 'accountSid', term: 'Account SID', detail: 'AC123' }],
          numbers: numbers && { term: 'Phone numbers', list: numbers },
          updatedAt: null,
        }),
      );
    expect(summary(['+15550100', '+15550101'])).toContain(
      '<dt>Phone numbers</dt><dd class="ltr-cell">+15550100, +15550101</dd>',
    );
    expect(summary([])).toContain('<dt>Phone numbers</dt><dd class="ltr-cell">None</dd>');
    expect(summary()).not.toContain('Phone numbers');
    expect(summary()).toContain('<dt>Account SID</dt><dd class="ltr-cell">AC123</dd>');
  });
});

describe('ActionButton', () => {
  const button = (busy: boolean, busyAction?: string) =>
    renderToStaticMarkup(
      createElement(
        ActionButton,
        // The words come as createElement's child, as JSX would pass them.
        { busy, busyAction, className: 'secondary', onClick: async () => {} } as ActionButtonProps,
        'Verify',
      ),
    );

  it('is a plain button, disabled and relabelled while its action runs', () => {
    expect(button(false, 'Verifying…')).toBe('<button type="button" class="secondary">Verify</button>');
    expect(button(true, 'Verifying…')).toBe(
      '<button type="button" class="secondary" disabled="">Verifying…</button>',
    );
    expect(button(true)).toBe('<button type="button" class="secondary" disabled="">Verify</button>');
  });
});
