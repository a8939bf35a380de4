/**
 * SQL for "the hotline requires passkeys", read from the stored settings document (a missing
 * document or flag is the default, off), inside the statement that checks a signed request or a
 * session (signed-requests.ts), so it costs no round trip of its own.
 *
 * It reads the one flag instead of calling loadSettings, deliberately: loadSettings validates the
 * whole document and throws when any part of it is invalid, which here would turn every member
 * request (including the admin's repair of the settings) into a 500.
 */
export const PASSKEYS_REQUIRED_SQL = `coalesce((select (value -> 'security' ->> 'requirePasskeys') = 'true' from hotline_settings where id = 1), false)`;
