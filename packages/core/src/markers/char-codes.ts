/**
 * Character codes and classes for the marker scanner, which compares `charCodeAt` results because
 * its loops touch every character of every file that mentions a marker.
 *
 * Modules copy the codes they use into constants of their own (`const { LT, GT } = CHAR;`)
 * rather than importing them one by one: V8 folds a module's own constants into its loops but
 * re-reads an imported binding on every use, which made the scan a quarter slower.
 */
export const CHAR = {
  TAB: 9,
  LF: 10,
  CR: 13,
  SPACE: 32,
  DQUOTE: 34,
  DOLLAR: 36,
  APOS: 39,
  STAR: 42,
  COMMA: 44,
  DOT: 46,
  SLASH: 47,
  COLON: 58,
  LT: 60,
  EQ: 61,
  GT: 62,
  LBRACKET: 91,
  BACKSLASH: 92,
  RBRACKET: 93,
  BACKTICK: 96,
  LBRACE: 123,
  RBRACE: 125,
  TILDE: 126,
} as const;

const { TAB, LF, CR, SPACE, DOLLAR } = CHAR;

export function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR || c === 12 || c === 0xa0 || c === 0xfeff;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isIdentifierChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 95 || c === DOLLAR || c > 127;
}
