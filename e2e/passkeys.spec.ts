import { expect, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, navLink, unexpected } from './helpers.js';

// WebAuthn does not accept an IP address as relying party id, so this hotline is "localhost".
test.use({ hotlineHost: 'localhost' });

test('passkeys: add one in My settings, sign in with it, remove it', async ({
  page,
  hotline,
  consoleErrors,
}) => {
  // Chromium's virtual authenticator: a platform authenticator that always verifies the user.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });

  await bootstrapAdmin(page, hotline);

  await test.step('add a passkey', async () => {
    await navLink(page, 'My settings').click();
    const section = page.getByRole('region', { name: 'Passkeys' });
    await expect(section.getByText('You have no passkeys yet.')).toBeVisible();
    await section.getByLabel('Name for the new passkey').fill('Work laptop');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(section.getByRole('status')).toHaveText('Passkey "Work laptop" added.');
    await expect(section.getByRole('listitem')).toHaveCount(1);
    await expect(section.getByRole('listitem')).toContainText('Work laptop');
    await expect(section.getByRole('listitem')).toContainText('never used');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
  });

  await test.step('lock, then sign in with the passkey instead of the PIN', async () => {
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Back on the screen that was open when the app locked.
    await expect(page.getByRole('heading', { name: 'My settings', level: 1 })).toBeVisible();
    await navLink(page, 'Dashboard').click();
    await expect(page.getByRole('heading', { name: 'Hello, Ana Admin' })).toBeVisible();
    // Signed in, but the key stays locked: the app says encrypted content needs the PIN.
    await expect(page.getByTestId('passkey-session-note')).toContainText('Encrypted content needs your key');
    await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Lock' })).toHaveCount(0);
    // The session works against the API: the admin screens load.
    await navLink(page, 'Volunteers').click();
    await expect(page.getByRole('rowheader', { name: 'Ana Admin' })).toBeVisible();
  });

  await test.step('the passkey shows as used, the session as this device; remove the passkey', async () => {
    await navLink(page, 'My settings').click();
    const section = page.getByRole('region', { name: 'Passkeys' });
    await expect(section.getByRole('listitem')).toContainText('last used');
    const sessions = page.getByRole('region', { name: 'Signed-in devices' });
    await expect(sessions.getByRole('row')).toHaveCount(2);
    await expect(sessions.getByRole('cell', { name: 'This device' })).toBeVisible();

    await section.getByRole('button', { name: 'Remove Work laptop' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the passkey "Work laptop"?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect(dialog).toBeHidden();
    await expect(section.getByText('You have no passkeys yet.')).toBeVisible();
  });

  await test.step('after removal the same authenticator no longer signs in', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(page.getByRole('alert')).toContainText(/passkey sign-in failed/);
    await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
  });

  await test.step('the audit log records the passkey life cycle', async () => {
    await page.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await navLink(page, 'Audit log').click();
    const table = page.getByRole('table');
    for (const action of ['auth.passkey-added', 'auth.login', 'auth.passkey-removed', 'auth.login-failed'])
      await expect(table.getByRole('cell', { name: action, exact: true })).toHaveCount(1);
  });

  // The refused sign-in after removal is the one expected failed request.
  expect(unexpected(consoleErrors, /status of 401 .*\/api\/auth\/login\/verify$/)).toEqual([]);
});
