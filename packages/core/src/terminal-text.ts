/**
 * Text from users (prompts, file paths, messages quoting them) made fit for a terminal: control
 * characters shown escaped, so that a prompt cannot set the window title, clear the screen or
 * write the clipboard (OSC 52), and long prompts shortened. Human output only: `--json` keeps
 * the exact text.
 */

/**
 * C0 (tab, newline and carriage return included), DEL and C1: the bytes a terminal acts on. Then
 * the bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069): they show as
 * nothing, but reorder what follows, so a prompt or a message could make a line read as something
 * it does not say ("Trojan Source", CVE-2021-42574).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`);
}

/**
 * Every control character as a visible escape: `\x1b`, `\x07`, `\x9b`, `\u202e`, and `\n`, `\t`, `\r`.
 * With `keepNewlines`, `\n` stays a line break (for text that has several lines by design).
 * A backslash is left as it is: the output is for reading, not for parsing.
 */
export function escapeControls(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, escapeOne);
}

/** How many characters of a prompt a line shows. */
export const PREVIEW_LENGTH = 80;

/** Made on first use: creating a number format loads ICU's locale data, about 15 ms at start-up. */
let count: Intl.NumberFormat | undefined;
function thousands(): Intl.NumberFormat {
  count ??= new Intl.NumberFormat('en-US');
  return count;
}

/**
 * User text in double quotes, on one line: controls escaped, and past `max` characters (code
 * points, so an emoji is never cut in half) its beginning, `…` and its length:
 * `"a red fox…" (100,000 characters)`.
 */
export function quoteText(text: string, max = PREVIEW_LENGTH): string {
  // Only the first max + 1 characters are needed to decide; the length only when it is cut.
  let head = '';
  let seen = 0;
  for (const char of text) {
    if (seen === max) return `"${escapeControls(head)}…" (${thousands().format([...text].length)} characters)`;
    head += char;
    seen++;
  }
  return `"${escapeControls(text)}"`;
}

/** `400 ms`, `1.5 s`, `300 s`, `10 min`: a duration as an option gave it, never rounded to a misleading `0 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 600_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return Number.isInteger(ms / 1000) ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
