/**
 * Which sentence describes a member's call status. Each line follows the state it describes:
 * a help text tells what the switch does from where it is (on a break: how to come back), and
 * nobody who takes no calls is told they are available for them.
 */

/** The help under the "Taking calls" switch on the dashboard. */
export const breakSwitchHelpKey = (onBreak: boolean) =>
  onBreak ? 'calls.breakHelp.onBreak' : 'calls.breakHelp.available';

/** The help under the "I am on a break" checkbox in My settings (as currently ticked). */
export const breakCheckboxHelpKey = (ticked: boolean) =>
  ticked ? 'mySettings.breakHelp.onBreak' : 'mySettings.breakHelp.available';

/** The line for a member on a call: whatever their shift or break, no other call rings for them. */
export const ON_A_CALL_KEY = 'calls.onACallNow';

/** The shift line on the dashboard; null while the shift is not known yet. On a call, it says so. */
export function shiftStatusKey(shift: { includesMe: boolean } | undefined, onBreak: boolean, onCall = false) {
  if (onCall) return ON_A_CALL_KEY;
  if (!shift) return null;
  if (!shift.includesMe) return 'calls.notOnShiftNow';
  return onBreak ? 'calls.onShiftOnBreak' : 'calls.onShiftNow';
}

/**
 * The dashboard's one-line call status, for a member who answers calls but has no shift panel
 * (the panel says it there); nothing for members who take no calls (a reporter).
 */
export function dashboardCallStatusKey(
  me: { onBreak: boolean },
  answersCalls: boolean,
  hasShiftPanel: boolean,
  onCall = false,
) {
  if (!answersCalls || hasShiftPanel) return null;
  if (onCall) return ON_A_CALL_KEY;
  return me.onBreak ? 'dashboard.onBreak' : 'dashboard.available';
}

/** The short state beside the "Taking calls" switch. */
export function breakStateKey(onBreak: boolean, onCall: boolean) {
  if (onCall) return 'calls.onACall';
  return onBreak ? 'calls.onBreak' : 'calls.available';
}
