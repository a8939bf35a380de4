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

/** The shift line on the dashboard; null while the shift is not known yet. */
export function shiftStatusKey(shift: { includesMe: boolean } | undefined, onBreak: boolean) {
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
) {
  if (!answersCalls || hasShiftPanel) return null;
  return me.onBreak ? 'dashboard.onBreak' : 'dashboard.available';
}
