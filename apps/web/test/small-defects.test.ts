/**
 * The small defects a new user found in the web client (issue 15, "Must fix" 6), each held
 * by a test so it cannot come back quietly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CustomFieldDefinition, RoleView } from '@llamenos/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import ts from 'typescript';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CharacterCounter } from '../src/components/CharacterCounter.js';
import { LOCALE_CODES } from '../src/i18n/locales/catalog.js';
import { createCallAwareLock } from '../src/lib/calls/call-lock.js';
import {
  askWhenTakingCalls,
  type CallNotificationPermission,
  dismissalAfter,
  shouldOfferNotifications,
} from '../src/lib/calls/notify.js';
import {
  breakCheckboxHelpKey,
  breakSwitchHelpKey,
  dashboardCallStatusKey,
  shiftStatusKey,
} from '../src/lib/calls/status-lines.js';
import {
  checkPayload,
  FIELD_TEXT_MAX,
  limitsOf,
  NOTE_TEXT_MAX,
  payloadFromForm,
} from '../src/lib/notes/payload.js';
import { COUNTER_FROM, counterState } from '../src/lib/text-limit.js';
import { boundsOf, toDefinitions } from '../src/pages/admin/CustomFieldsSection.js';
import { roleChoices, roleName, roleNames } from '../src/pages/admin/useRoles.js';
import { NoteEditor } from '../src/pages/notes/NoteEditor.js';
import {
  clockOf,
  formatHourLabel,
  formatTimeOfDay,
  parseTimeOfDay,
} from '../src/pages/shifts/time-of-day.js';
import { ALL_LOCALES, SHIPPED } from './locales.js';
import { parseSources, src, walk, where } from './source-files.js';

type Tree = { [key: string]: string | Tree };
const locale = (l: string) =>
  JSON.parse(readFileSync(path.join(src, 'i18n', 'locales', `${l}.json`), 'utf8')) as Tree;
const strings = (tree: Tree): string[] =>
  Object.values(tree).flatMap((v) => (typeof v === 'string' ? [v] : strings(v)));
const english = locale('en');
/** The English sentence of a key (the test fails on a key that does not exist). */
function en(key: string): string {
  const value = key.split('.').reduce<Tree | string | undefined>((t, part) => (t as Tree)?.[part], english);
  if (typeof value !== 'string') throw new Error(`no English text for ${key}`);
  return value;
}

describe('status lines follow the state', () => {
  it('the "Taking calls" help says how to come back from a break, and how to take one otherwise', () => {
    expect(en(breakSwitchHelpKey(true))).not.toMatch(/take a break/);
    expect(en(breakSwitchHelpKey(true))).toMatch(/ready to take calls/);
    expect(en(breakSwitchHelpKey(false))).toMatch(/take a break/);
  });

  it('the "I am on a break" help follows the checkbox', () => {
    expect(en(breakCheckboxHelpKey(true))).toMatch(/^Untick this when/);
    expect(en(breakCheckboxHelpKey(false))).toMatch(/^Tick this to take a break/);
  });

  it('"on shift now" says so when the member is on a break', () => {
    expect(shiftStatusKey(undefined, false)).toBeNull();
    expect(en(shiftStatusKey({ includesMe: false }, true) ?? '')).toBe('You are not on shift now.');
    // The Playwright journeys read this exact sentence.
    expect(en(shiftStatusKey({ includesMe: true }, false) ?? '')).toBe('You are on shift now.');
    expect(en(shiftStatusKey({ includesMe: true }, true) ?? '')).toMatch(/on a break/);
  });

  it('the dashboard tells no one who takes no calls that they are available for calls', () => {
    expect(dashboardCallStatusKey({ onBreak: false }, false, false)).toBeNull();
    // With the shift panel the panel says it; without it, one line.
    expect(dashboardCallStatusKey({ onBreak: false }, true, true)).toBeNull();
    expect(en(dashboardCallStatusKey({ onBreak: true }, true, false) ?? '')).toMatch(/on a break/);
    expect(en(dashboardCallStatusKey({ onBreak: false }, true, false) ?? '')).toMatch(/available/);
  });
});

describe('notification permission', () => {
  const asker = (permission: CallNotificationPermission, dismissed = false) => {
    const request = vi.fn(async () => 'granted' as const);
    return { asker: { permission: () => permission, dismissed: () => dismissed, request }, request };
  };

  it('is offered only while the browser would still ask, and not after "Not now"', () => {
    expect(shouldOfferNotifications('default', false)).toBe(true);
    expect(shouldOfferNotifications('default', true)).toBe(false);
    expect(shouldOfferNotifications('denied', false)).toBe(false);
    expect(shouldOfferNotifications('granted', false)).toBe(false);
    expect(shouldOfferNotifications('unsupported', false)).toBe(false);
  });

  it('is asked when the member turns calls on, never again once denied or dismissed', async () => {
    const fresh = asker('default');
    await askWhenTakingCalls(fresh.asker);
    expect(fresh.request).toHaveBeenCalledTimes(1);
    for (const [permission, dismissed] of [
      ['denied', false],
      ['granted', false],
      ['default', true],
    ] as const) {
      const other = asker(permission, dismissed);
      await askWhenTakingCalls(other.asker);
      expect(other.request, `${permission} ${dismissed}`).not.toHaveBeenCalled();
    }
  });

  it('is offered again when a shift of the member\'s starts, even after "Not now"', () => {
    // "Not now" said off shift: back as soon as the member is seen on shift.
    expect(dismissalAfter('off-shift', false)).toBe('off-shift');
    expect(dismissalAfter('off-shift', true)).toBeNull();
    // Said on shift: not for the rest of that shift; back at the next one.
    expect(dismissalAfter('on-shift', true)).toBe('on-shift');
    expect(dismissalAfter('on-shift', false)).toBe('off-shift');
    // Not known yet, or never dismissed: nothing changes.
    expect(dismissalAfter('off-shift', undefined)).toBe('off-shift');
    expect(dismissalAfter(null, true)).toBeNull();
  });

  it('is never asked while a call rings: the ringing card has no permission request', () => {
    const card = readFileSync(path.join(src, 'components', 'IncomingCallCard.tsx'), 'utf8');
    expect(card).not.toMatch(/requestNotificationPermission|requestPermission/);
  });
});

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    lng: 'en',
    resources: Object.fromEntries(Object.entries(ALL_LOCALES).map(([k, v]) => [k, { translation: v }])),
    interpolation: { escapeValue: false },
  });
});

describe('Spanish wording', () => {
  it('uses one word for settings ("Configuración", never "Ajustes")', () => {
    const es = strings(ALL_LOCALES.es as unknown as Tree);
    expect(es.filter((s) => /\bajustes?\b/i.test(s))).toEqual([]);
    expect(es.some((s) => s.includes('Configuración'))).toBe(true);
  });
});

describe('"too long" names the limit, and a counter shows near it', () => {
  it('the note text and a text field say their own limit', () => {
    const fields: CustomFieldDefinition[] = [
      { id: 'where', label: 'Where', type: 'text', required: false, order: 0 },
    ];
    const check = checkPayload(
      payloadFromForm('x'.repeat(NOTE_TEXT_MAX + 1), { where: 'y'.repeat(FIELD_TEXT_MAX + 1) }, fields),
      fields,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toEqual({ text: 'tooLong', where: 'tooLong' });
    expect(i18next.t('notes.fieldProblem.tooLong', { ...limitsOf('text') })).toBe(
      'Too long: at most 20,000 characters.',
    );
    expect(i18next.t('notes.fieldProblem.tooLong', { ...limitsOf(fields[0]!) })).toBe(
      'Too long: at most 2,000 characters.',
    );
  });

  it('the counter is quiet below 80 %, then near, at and over the limit', () => {
    expect(COUNTER_FROM).toBe(0.8);
    expect(counterState(79, 100)).toEqual({ level: 'quiet', remaining: 21 });
    expect(counterState(80, 100)).toEqual({ level: 'near', remaining: 20 });
    expect(counterState(100, 100)).toEqual({ level: 'at', remaining: 0 });
    expect(counterState(103, 100)).toEqual({ level: 'over', remaining: -3 });
  });

  it('shows nothing far from the limit, keeps an empty polite region ready', () => {
    const html = renderToStaticMarkup(createElement(CharacterCounter, { id: 'c', length: 10, max: 100 }));
    expect(html).toBe('<p class="visually-hidden" aria-live="polite"></p>');
  });

  it('shows what is left near the limit; the spoken sentence names the limit, not the count (no chatter)', () => {
    const at = (length: number) =>
      renderToStaticMarkup(createElement(CharacterCounter, { id: 'c', length, max: 2000 }));
    expect(at(1990)).toContain('10 characters left (at most 2,000)');
    expect(at(1999)).toContain('1 character left (at most 2,000)');
    expect(at(2003)).toContain('3 characters too many (at most 2,000)');
    const spoken = (html: string) => /aria-live="polite">([^<]*)</.exec(html)?.[1];
    // Typing on within one level does not change what the live region holds.
    expect(spoken(at(1700))).toBe('Nearing the limit of 2,000 characters.');
    expect(spoken(at(1990))).toBe(spoken(at(1700)));
    expect(spoken(at(2000))).toBe('Limit of 2,000 characters reached.');
    expect(spoken(at(2003))).toBe('Over the limit of 2,000 characters.');
  });

  it('no locale says "too long" without the limit', () => {
    for (const l of SHIPPED) {
      const tooLong = (ALL_LOCALES[l] as unknown as { notes: { fieldProblem: { tooLong: string } } }).notes
        .fieldProblem.tooLong;
      expect(tooLong, l).toContain('{{max, number}}');
    }
  });
});

describe('number fields with bounds', () => {
  const age: CustomFieldDefinition = {
    id: 'age',
    label: 'Age',
    type: 'number',
    required: false,
    order: 0,
    min: 0,
    max: 120,
  };
  const check = (value: string) => checkPayload(payloadFromForm('', { age: value }, [age]), [age]);

  it('refuses a negative age, naming the minimum; and one above the maximum, naming it', () => {
    expect(check('-3')).toEqual({ ok: false, problems: { age: 'belowMin' } });
    expect(check('121')).toEqual({ ok: false, problems: { age: 'aboveMax' } });
    expect(check('0').ok).toBe(true);
    expect(check('120').ok).toBe(true);
    expect(check('abc')).toEqual({ ok: false, problems: { age: 'number' } });
    expect(i18next.t('notes.fieldProblem.belowMin', { ...limitsOf(age) })).toBe(
      'Too small: the least allowed is 0.',
    );
    expect(i18next.t('notes.fieldProblem.aboveMax', { ...limitsOf(age) })).toBe(
      'Too large: the most allowed is 120.',
    );
  });

  it('the note form gives the input its bounds, says them, and counts a long text field', () => {
    const where: CustomFieldDefinition = {
      id: 'where',
      label: 'Where',
      type: 'text',
      required: false,
      order: 1,
    };
    const html = renderToStaticMarkup(
      createElement(
        QueryClientProvider,
        { client: new QueryClient() },
        createElement(NoteEditor, {
          start: {
            noteId: 'n',
            baseVersion: null,
            callId: null,
            text: 'x'.repeat(NOTE_TEXT_MAX - 1000),
            values: { where: 'y'.repeat(FIELD_TEXT_MAX - 100) },
            restored: null,
            original: { text: '', values: {} },
          },
          fields: [age, where],
          onSaved: () => {},
        }),
      ),
    );
    expect(html).toContain(
      '<input id="note-field-age" aria-describedby="note-range-age" type="number" inputMode="decimal" min="0" max="120" value=""/><p id="note-range-age" class="hint">From 0 to 120.</p>',
    );
    expect(html).toContain('aria-describedby="note-count-text"');
    expect(html).toContain(
      '<p id="note-count-text" class="char-counter char-counter-near" data-testid="char-counter">1,000 characters left (at most 20,000)</p>',
    );
    expect(html).toContain('<input id="note-field-where" aria-describedby="note-count-where" type="text"');
    expect(html).toContain('100 characters left (at most 2,000)');
  });

  it('a field without bounds takes any number', () => {
    const free: CustomFieldDefinition = { ...age, min: undefined, max: undefined };
    expect(checkPayload(payloadFromForm('', { age: '-3' }, [free]), [free]).ok).toBe(true);
  });

  it('the settings editor saves bounds only for number fields, and only readable ones', () => {
    expect(boundsOf({ type: 'number', min: '0', max: '120' })).toEqual({ min: 0, max: 120 });
    expect(boundsOf({ type: 'number', min: '', max: ' ' })).toEqual({});
    expect(boundsOf({ type: 'number', min: '-1.5', max: 'x' })).toEqual({ min: -1.5 });
    expect(boundsOf({ type: 'text', min: '0', max: '5' })).toEqual({});
    const [saved] = toDefinitions([
      {
        key: 1,
        id: 'age',
        saved: true,
        label: 'Age',
        type: 'number',
        required: true,
        options: '',
        min: '0',
        max: '120',
      },
    ]);
    expect(saved).toEqual({
      id: 'age',
      label: 'Age',
      type: 'number',
      required: true,
      order: 0,
      min: 0,
      max: 120,
    });
  });
});

describe('role names', () => {
  const roles: RoleView[] = [
    { id: 'admin', name: 'Admin', description: '', permissions: ['*'], builtin: true },
    { id: 'volunteer', name: 'Volunteer', description: '', permissions: [], builtin: true },
    { id: 'coordinator', name: 'Coordinación', description: '', permissions: [], builtin: false },
  ];
  const es = i18next.getFixedT('es');
  const ar = i18next.getFixedT('ar');

  it("built-in roles are named in the reader's language; custom roles as the admin typed them", () => {
    expect(roleName(es, 'admin', roles)).toBe('Administrador');
    expect(roleName(ar, 'volunteer', roles)).toBe('متطوع');
    expect(roleName(es, 'coordinator', roles)).toBe('Coordinación');
    // A reader who may not list roles still sees the built-in ones translated, and other ids as they are.
    expect(roleName(es, 'reporter')).toBe('Informante');
    expect(roleName(es, 'coordinator')).toBe('coordinator');
    expect(roleNames(es, 'es', ['volunteer', 'coordinator'], roles)).toBe('Voluntario y Coordinación');
    expect(roleChoices(es, roles).map((c) => c.label)).toEqual([
      'Administrador',
      'Voluntario',
      'Coordinación',
    ]);
  });

  it('a custom role that took a built-in id cannot happen, but would keep its own name', () => {
    const odd: RoleView[] = [{ id: 'admin', name: 'Jefa', description: '', permissions: [], builtin: false }];
    expect(roleName(es, 'admin', odd)).toBe('Jefa');
  });

  it('the dashboard sentence names roles in lower case in English and translated elsewhere', () => {
    const en = i18next.getFixedT('en');
    expect(
      en('dashboard.roles', { roles: roleNames(en, 'en', ['admin', 'volunteer'], undefined, 'inSentence') }),
    ).toBe('Your roles: admin, volunteer');
    expect(roleNames(es, 'es', ['admin'], undefined, 'inSentence')).toBe('administrador');
  });
});

describe('badges', () => {
  /** The class names a JSX element is given as a plain string, or null. */
  function classOf(node: ts.JsxElement | ts.JsxSelfClosingElement): string | null {
    const opening = ts.isJsxElement(node) ? node.openingElement : node;
    for (const attr of opening.attributes.properties)
      if (ts.isJsxAttribute(attr) && attr.name.getText() === 'className' && attr.initializer) {
        const init = attr.initializer;
        if (ts.isStringLiteral(init)) return init.text;
        if (ts.isJsxExpression(init) && init.expression && ts.isTemplateExpression(init.expression))
          return init.expression.head.text;
      }
    return null;
  }
  const rendersElement = (node: ts.Node): boolean => {
    let found = false;
    walk(node, (n) => {
      if (ts.isJsxElement(n) || ts.isJsxSelfClosingElement(n) || ts.isJsxFragment(n)) found = true;
    });
    return found;
  };

  it("never sit right after bare text, where the margin (an element's) is lost and the words run together", () => {
    const glued: string[] = [];
    for (const { file, ast } of parseSources((name) => name.endsWith('.tsx'))) {
      walk(ast, (node) => {
        if (!(ts.isJsxElement(node) || ts.isJsxSelfClosingElement(node))) return;
        if (!/(^|\s)badge(\s|$)/.test(classOf(node) ?? '')) return;
        // The badge itself, or the {cond && <badge>} expression holding it, as a child of an element.
        let child: ts.Node = node;
        while (
          ts.isBinaryExpression(child.parent) ||
          ts.isConditionalExpression(child.parent) ||
          ts.isParenthesizedExpression(child.parent) ||
          ts.isJsxExpression(child.parent)
        )
          child = child.parent;
        const parent = child.parent;
        if (!ts.isJsxElement(parent) && !ts.isJsxFragment(parent)) return;
        const siblings = parent.children.filter((c) => !(ts.isJsxText(c) && c.containsOnlyTriviaWhiteSpaces));
        const before = siblings[siblings.indexOf(child as ts.JsxChild) - 1];
        if (!before) return;
        const bareText =
          (ts.isJsxText(before) && !/\s$/.test(before.text)) ||
          (ts.isJsxExpression(before) &&
            before.expression !== undefined &&
            !(ts.isStringLiteral(before.expression) && /\s$/.test(before.expression.text)) &&
            !rendersElement(before));
        if (bareText) glued.push(where(ast, node, file));
      });
    }
    expect(glued).toEqual([]);
  });

  it('beside a navigation link stay on its line with a gap (styles.css)', () => {
    const css = readFileSync(path.join(src, 'styles.css'), 'utf8');
    expect(css).toMatch(/\.main-nav li \{[^}]*display: inline-flex;[^}]*gap: [^}]*\}/);
  });
});

describe('times of day on the shift screens', () => {
  it("follow the language's clock", () => {
    expect(clockOf('en')).toBe('h12');
    expect(clockOf('es')).toBe('h23');
    expect(formatTimeOfDay('21:05', 'en')).toBe('9:05 PM');
    expect(formatTimeOfDay('00:00', 'en')).toBe('12:00 AM');
    expect(formatTimeOfDay('09:00', 'es')).toBe('09:00');
    expect(formatTimeOfDay('21:05', 'es')).toBe('21:05');
    expect(formatHourLabel(21, 'en')).toBe('9 PM');
    expect(formatHourLabel(7, 'es')).toBe('07:00');
  });

  it('are read back from what each clock writes, and from 24-hour text in every language', () => {
    for (const locale of LOCALE_CODES)
      for (const hhmm of ['00:00', '00:30', '09:05', '12:00', '12:45', '13:00', '23:59'])
        expect(parseTimeOfDay(formatTimeOfDay(hhmm, locale), locale), `${locale} ${hhmm}`).toBe(hhmm);
    expect(parseTimeOfDay('14:30', 'en')).toBe('14:30'); // what the Playwright journeys type
    expect(parseTimeOfDay('9pm', 'en')).toBe('21:00');
    expect(parseTimeOfDay('9:30 p. m.', 'es')).toBe('21:30');
    expect(parseTimeOfDay('٩:٣٠ م', 'ar')).toBe('21:30');
    expect(parseTimeOfDay('14h30', 'es')).toBe('14:30');
  });

  it('refuse what is not a time', () => {
    for (const text of ['', 'noon', '24:00', '13 pm', '0 am', '9:60', '123:00'])
      expect(parseTimeOfDay(text, 'en'), text).toBeNull();
  });

  it("never use a native time input (it follows the browser's region, not the member's language) nor show raw HH:MM", () => {
    const offenders: string[] = [];
    for (const { file, ast } of parseSources((name) => name.endsWith('.tsx'))) {
      if (!file.startsWith('pages/shifts/')) continue;
      walk(ast, (node) => {
        if (
          ts.isJsxAttribute(node) &&
          node.name.getText() === 'type' &&
          node.initializer?.getText() === '"time"'
        )
          offenders.push(`${where(ast, node, file)} type="time"`);
        // A shift's time put on screen directly rather than through formatTimeOfDay.
        if (
          ts.isPropertyAccessExpression(node) &&
          ['localStart', 'localEnd', 'start'].includes(node.name.text) &&
          ts.isJsxExpression(node.parent)
        )
          offenders.push(`${where(ast, node, file)} ${node.getText()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe('locking during a call', () => {
  /** A fake call store: whether a call is on, and its change listeners. */
  function setup(onCall: boolean) {
    const call = { on: onCall };
    const listeners = new Set<() => void>();
    const lock = vi.fn();
    const controller = createCallAwareLock({
      onCall: () => call.on,
      lock,
      onCallsChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const endCall = () => {
      call.on = false;
      for (const l of [...listeners]) l();
    };
    return { controller, lock, endCall, listeners };
  }

  it('locks at once when no call is on', () => {
    const { controller, lock } = setup(false);
    expect(controller.request()).toBe('locked');
    expect(lock).toHaveBeenCalledTimes(1);
    expect(controller.pending()).toBe(false);
  });

  it('keeps the call in reach: Lock during a call waits for its end, then locks', () => {
    const { controller, lock, endCall, listeners } = setup(true);
    const seen = vi.fn();
    controller.subscribe(seen);
    expect(controller.request()).toBe('deferred');
    expect(controller.request()).toBe('deferred'); // pressed twice: still one wait
    expect(lock).not.toHaveBeenCalled();
    expect(controller.pending()).toBe(true);
    expect(listeners.size).toBe(1);
    endCall();
    expect(lock).toHaveBeenCalledTimes(1);
    expect(controller.pending()).toBe(false);
    expect(listeners.size).toBe(0);
    expect(seen).toHaveBeenCalledTimes(2); // waiting, then locked
  });

  it('the wait can be called off; the call then ends without locking', () => {
    const { controller, lock, endCall } = setup(true);
    controller.request();
    controller.cancel();
    endCall();
    expect(lock).not.toHaveBeenCalled();
    expect(controller.pending()).toBe(false);
  });

  it('the idle lock does not count a call as idleness', () => {
    const onCall = setup(true);
    expect(onCall.controller.idleExpired()).toBe(false);
    expect(onCall.lock).not.toHaveBeenCalled();
    const idle = setup(false);
    expect(idle.controller.idleExpired()).toBe(true);
    expect(idle.lock).toHaveBeenCalledTimes(1);
  });

  it('the Lock button and the idle timer go through it (nothing else locks the vault directly)', () => {
    for (const file of ['app/App.tsx', 'app/useVaultState.ts']) {
      const code = readFileSync(path.join(src, file), 'utf8');
      expect(code, file).not.toMatch(/lockVault/);
      expect(code, file).toMatch(/callLock\.(request|idleExpired)\(\)/);
    }
  });
});
