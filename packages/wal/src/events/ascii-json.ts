/**
 * JSON data of an event parsed straight from its bytes, for the common small case: ASCII text,
 * strings without escapes, and nesting up to {@link MAX_DEPTH}. What it does not handle it
 * hands back as {@link NOT_HANDLED} (it never guesses), and the codec then decodes the text and
 * calls `JSON.parse`, which gives the value or the error. So the result is always the value
 * `JSON.parse` gives for that text; the property test compares the two on generated JSON.
 *
 * Why: for the data of a typical event (`{"sequence":123456}`), making a string of the bytes and
 * calling `JSON.parse` cost about 300 ns on an AMD EPYC VM (Node 20), most of an event's read;
 * this walk costs a small fraction of that (keys come from the intern table of text.ts).
 *
 * @module
 */
import { asciiText, internedText } from './text.js';

/** What {@link parseAsciiJson} returns for text it leaves to `JSON.parse`. */
export const NOT_HANDLED: unique symbol = Symbol('not handled');
type Bailed = typeof NOT_HANDLED;

/** Deeper values are left to `JSON.parse` (and the recursion stays shallow). */
const MAX_DEPTH = 32;
/** Integers of up to this many digits are exact in a double when summed digit by digit. */
const EXACT_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

const EMPTY = new Uint8Array(0);
/** Keys remembered from the last text, by position, and their longest. */
const RECENT_KEYS = 64;
const RECENT_KEY_MAX_BYTES = 64;
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/**
 * The walk over one text. One instance serves every parse of the thread: a parse allocates only
 * the values it returns, and the state is fields of one object (module-level `let`s cost a
 * context load and a hole check at each use).
 */
class AsciiJsonParser {
  input: Uint8Array = EMPTY;
  at = 0;
  end = 0;
  /** Set when the walk meets what it leaves to JSON.parse; every caller checks it after a value. */
  bailed = false;
  /**
   * The keys of the last text, in the order met: the data of one kind of event has the same keys
   * in the same order each time, so the n-th key is most often the n-th key of the last text,
   * and one comparison of its bytes finds it (the intern table hashes them first).
   */
  readonly recentBytes: Uint8Array[] = [];
  readonly recentKeys: string[] = [];
  /** Keys met so far in this text. */
  keyCount = 0;

  parse(bytes: Uint8Array, start: number, length: number): unknown {
    this.input = bytes;
    this.at = start;
    this.end = start + length;
    this.bailed = false;
    this.keyCount = 0;
    this.skipSpace();
    const value = this.value(0);
    this.skipSpace();
    const handled = !this.bailed && this.at === this.end;
    this.input = EMPTY;
    return handled ? value : NOT_HANDLED;
  }

  skipSpace(): void {
    const input = this.input;
    let at = this.at;
    // Above 0x20 is no space: the common case (JSON.stringify writes none) is one comparison.
    if (at >= this.end || (input[at] as number) > 0x20) return;
    while (at < this.end) {
      const c = input[at] as number;
      // JSON's whitespace: space, tab, line feed, carriage return.
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      at++;
    }
    this.at = at;
  }

  /** Notes that JSON.parse decides; what it returns stands in for the value, never kept. */
  bail(): Bailed {
    this.bailed = true;
    return NOT_HANDLED;
  }

  value(depth: number): unknown {
    if (this.at >= this.end) return this.bail();
    const c = this.input[this.at] as number;
    if (c === QUOTE) return this.string();
    if (c === OPEN_BRACE) return depth < MAX_DEPTH ? this.object(depth + 1) : this.bail();
    if (c === OPEN_BRACKET) return depth < MAX_DEPTH ? this.array(depth + 1) : this.bail();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (c === 0x74) return this.literal(TRUE, true); // t
    if (c === 0x66) return this.literal(FALSE, false); // f
    if (c === 0x6e) return this.literal(NULL, null); // n
    return this.bail();
  }

  literal<T>(word: readonly number[], value: T): T | Bailed {
    const input = this.input;
    const at = this.at;
    if (at + word.length > this.end) return this.bail();
    for (let k = 0; k < word.length; k++) {
      if (input[at + k] !== word[k]) return this.bail();
    }
    this.at = at + word.length;
    return value;
  }

  /** The bytes of the string whose opening quote is at `at`, up to its closing one; -1 to bail. */
  stringLength(): number {
    const input = this.input;
    const end = this.end;
    const from = this.at + 1;
    for (let i = from; i < end; i++) {
      const c = input[i] as number;
      if (c === QUOTE) return i - from;
      // An escape, a control character (invalid in JSON) or a non-ASCII byte: JSON.parse's case.
      if (c === BACKSLASH || c < 0x20 || c >= 0x80) return -1;
    }
    return -1;
  }

  string(): string | Bailed {
    const length = this.stringLength();
    if (length < 0) return this.bail();
    const text = asciiText(this.input, this.at + 1, length);
    this.at += length + 2;
    return text;
  }

  object(depth: number): Record<string, unknown> | Bailed {
    const input = this.input;
    const object: Record<string, unknown> = {};
    this.at++; // {
    this.skipSpace();
    if (this.at < this.end && input[this.at] === CLOSE_BRACE) {
      this.at++;
      return object;
    }
    for (;;) {
      if (this.at >= this.end || input[this.at] !== QUOTE) return this.bail();
      const key = this.key();
      if (key === undefined) return this.bail();
      // JSON.parse makes "__proto__" an own key; an assignment would set the prototype.
      if (key === '__proto__') return this.bail();
      this.skipSpace();
      if (this.at >= this.end || input[this.at] !== COLON) return this.bail();
      this.at++;
      this.skipSpace();
      const value = this.value(depth);
      if (this.bailed) return NOT_HANDLED;
      object[key] = value;
      this.skipSpace();
      if (this.at >= this.end) return this.bail();
      const c = input[this.at];
      this.at++;
      if (c === CLOSE_BRACE) return object;
      if (c !== COMMA) return this.bail();
      this.skipSpace();
    }
  }

  /**
   * The key whose opening quote is at `at`, moving past its closing one; undefined to bail.
   * Compared first with the key met at the same place in the last text (whose bytes were
   * checked when it was kept: a match is a key, closing quote included, in one pass).
   */
  key(): string | undefined {
    const n = this.keyCount++;
    const input = this.input;
    const from = this.at + 1;
    if (n < RECENT_KEYS) {
      const recent = this.recentBytes[n];
      if (recent !== undefined) {
        const length = recent.length;
        if (from + length < this.end && input[from + length] === QUOTE) {
          let k = 0;
          while (k < length && recent[k] === input[from + k]) k++;
          if (k === length) {
            this.at = from + length + 1;
            return this.recentKeys[n];
          }
        }
      }
    }
    const length = this.stringLength();
    if (length < 0) return undefined;
    // Keys repeat from event to event: the intern table makes each string once.
    const key = internedText(input, from, length) as string;
    if (n < RECENT_KEYS && length <= RECENT_KEY_MAX_BYTES) {
      this.recentBytes[n] = input.slice(from, from + length);
      this.recentKeys[n] = key;
    }
    this.at = from + length + 1;
    return key;
  }

  array(depth: number): unknown[] | Bailed {
    const input = this.input;
    const array: unknown[] = [];
    this.at++; // [
    this.skipSpace();
    if (this.at < this.end && input[this.at] === CLOSE_BRACKET) {
      this.at++;
      return array;
    }
    for (;;) {
      const value = this.value(depth);
      if (this.bailed) return NOT_HANDLED;
      array.push(value);
      this.skipSpace();
      if (this.at >= this.end) return this.bail();
      const c = input[this.at];
      this.at++;
      if (c === CLOSE_BRACKET) return array;
      if (c !== COMMA) return this.bail();
      this.skipSpace();
    }
  }

  /**
   * A number by JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. An
   * integer of up to 15 digits is summed exactly; any other is read by `Number` of its text,
   * which rounds a decimal literal as `JSON.parse` does (both are the language's StringToNumber).
   */
  number(): number | Bailed {
    const input = this.input;
    const end = this.end;
    const start = this.at;
    let i = start;
    const negative = input[i] === MINUS;
    if (negative) i++;
    let c = i < end ? (input[i] as number) : -1;
    if (!(c >= ZERO && c <= NINE)) return this.bail();
    let value = 0;
    if (c === ZERO) {
      i++;
    } else {
      while (c >= ZERO && c <= NINE) {
        value = value * 10 + (c - ZERO);
        i++;
        c = i < end ? (input[i] as number) : -1;
      }
    }
    let exact = i - start - (negative ? 1 : 0) <= EXACT_DIGITS;
    c = i < end ? (input[i] as number) : -1;
    if (c === DOT) {
      i++;
      c = i < end ? (input[i] as number) : -1;
      if (!(c >= ZERO && c <= NINE)) return this.bail();
      while (c >= ZERO && c <= NINE) {
        i++;
        c = i < end ? (input[i] as number) : -1;
      }
      exact = false;
    }
    if (c === LOWER_E || c === UPPER_E) {
      i++;
      c = i < end ? (input[i] as number) : -1;
      if (c === PLUS || c === MINUS) {
        i++;
        c = i < end ? (input[i] as number) : -1;
      }
      if (!(c >= ZERO && c <= NINE)) return this.bail();
      while (c >= ZERO && c <= NINE) {
        i++;
        c = i < end ? (input[i] as number) : -1;
      }
      exact = false;
    }
    this.at = i;
    if (exact) return negative ? -value : value;
    return Number(asciiText(input, start, i - start));
  }
}

const parser = new AsciiJsonParser();

/**
 * The value of the JSON text in `bytes[start, start + length)`, or {@link NOT_HANDLED} when the
 * text is not ASCII, has an escape, nests deeper than {@link MAX_DEPTH}, has a `__proto__` key,
 * or is not valid JSON: then `JSON.parse` of the decoded text decides.
 */
export function parseAsciiJson(bytes: Uint8Array, start: number, length: number): unknown {
  return parser.parse(bytes, start, length);
}
