/**
 * The "In service" switch of a connected channel (issue 10): checked while the channel receives,
 * unchecked with the hint that says what disabling means once an admin turned it off, and inert
 * for a member who may only read the settings.
 */
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../src/i18n/locales/en.json' with { type: 'json' };
import { ChannelServiceSwitch } from '../src/pages/admin/ChannelServiceSwitch.js';

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    lng: 'en',
    resources: { en: { translation: en } },
    interpolation: { escapeValue: false },
  });
});

const render = (disabled: boolean, writable = true) =>
  renderToStaticMarkup(
    createElement(ChannelServiceSwitch, {
      channel: 'twilio-sms',
      name: 'Twilio SMS',
      disabled,
      busy: false,
      writable,
      onChange: () => {},
    }),
  );

describe('ChannelServiceSwitch', () => {
  it('is a checked switch named for the channel while it is in service', () => {
    const html = render(false);
    expect(html).toContain('role="switch"');
    expect(html).toContain('aria-checked="true"');
    expect(html).toContain('aria-label="Twilio SMS in service"');
    expect(html).toContain('aria-describedby="chan-twilio-sms-service-help"');
    expect(html).toContain(en.channels.inServiceHelp);
    expect(html).not.toContain('disabled=""');
  });

  it('is unchecked once disabled, and says the credentials are kept and messages refused', () => {
    const html = render(true);
    expect(html).toContain('aria-checked="false"');
    expect(html).toContain('class="switch off"');
    expect(html).toContain(en.channels.disabledHelp);
    expect(en.channels.disabledHelp).toMatch(/credentials are kept/);
  });

  it('cannot be switched by a member without settings:write', () => {
    expect(render(false, false)).toContain('disabled=""');
  });
});
