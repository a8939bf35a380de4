import { z } from 'zod';

/**
 * Names and labels people type (display names, role names, field labels, shift and group names,
 * the hotline's name, ban reasons…) are shown to other people. Characters that change how text
 * around them is displayed, or that cannot be seen, let one person make a name read differently
 * from what it is (U+202E shows "evil\u202Etxt.exe" as "evilexe.txt"), or make two names look
 * alike. Such text is refused with a message naming the character, never repaired silently; and
 * it is normalised to NFC so one name has one stored form.
 */

/** Why a code point is refused in typed text, or null when it is fine. */
function refusedCharacter(codePoint: number, multiline: boolean): string | null {
  if (codePoint <= 0x1f) {
    if (multiline && (codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0d)) return null;
    return multiline ? 'a control character' : 'a control character or line break';
  }
  if (codePoint >= 0x7f && codePoint <= 0x9f) return 'a control character';
  if (
    codePoint === 0x061c ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  )
    return 'a bidirectional control';
  // Characters that draw nothing on their own: a name made of them looks blank.
  if (
    codePoint === 0x00ad ||
    codePoint === 0x034f ||
    codePoint === 0x115f ||
    codePoint === 0x1160 ||
    codePoint === 0x3164 ||
    codePoint === 0xffa0
  )
    return 'an invisible character';
  if (
    codePoint === 0x200b ||
    (codePoint >= 0x2060 && codePoint <= 0x2064) ||
    (codePoint >= 0x206a && codePoint <= 0x206f) ||
    codePoint === 0xfeff ||
    (codePoint >= 0xfff9 && codePoint <= 0xfffb) ||
    (codePoint >= 0xe0000 && codePoint <= 0xe007f)
  )
    return 'an invisible formatting character';
  if (codePoint === 0x2028 || codePoint === 0x2029) return 'a line or paragraph separator';
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'half of a surrogate pair (not a character)';
  if ((codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe)
    return 'a noncharacter';
  return null;
}

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first refused character of `text` and why, as a message; null when the text is fine. */
export function unsafeTextProblem(text: string, multiline: boolean): string | null {
  // for…of walks code points: a lone surrogate comes out alone, a valid pair as one character.
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    const why = refusedCharacter(codePoint, multiline);
    if (why) return `must not contain ${hex(codePoint)} (${why})`;
  }
  return null;
}

const refuseUnsafe = (multiline: boolean) => (text: string, ctx: z.RefinementCtx) => {
  const problem = unsafeTextProblem(text, multiline);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

/**
 * A name or label: one line, trimmed, NFC, between `min` and `max` UTF-16 units after that,
 * without controls, bidirectional overrides, invisible formatting characters or noncharacters.
 */
export const textLine = (max: number, min = 1) =>
  z.string().trim().normalize('NFC').min(min).max(max).superRefine(refuseUnsafe(false));

/** Free text that may span lines (descriptions, notes): as textLine, but tab and line breaks are allowed. */
export const textBlock = (max: number) =>
  z.string().trim().normalize('NFC').max(max).superRefine(refuseUnsafe(true));
