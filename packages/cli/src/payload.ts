/**
 * How a record's bytes are shown: as text when they are UTF-8 text (no control characters but
 * tab and newline), otherwise as hex or base64; and `hexdump -C`-style for `--format hex`. The
 * same rule as `@annal/replay`'s fixtures, so one payload reads the same everywhere.
 *
 * @module
 */

const decoder = new TextDecoder('utf-8', { fatal: true });
/** Control characters other than tab, newline and carriage return. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The bytes as text, or undefined when they are not UTF-8 text. */
export function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return undefined;
  }
  return CONTROL.test(text) ? undefined : text;
}

/** A payload in JSON output: `{ "text": … }` for text, else `{ "base64": … }`. */
export type JsonPayload = { readonly text: string } | { readonly base64: string };

/** {@link JsonPayload} of `bytes`. */
export function jsonPayload(bytes: Uint8Array): JsonPayload {
  const text = asText(bytes);
  return text === undefined
    ? { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') }
    : { text };
}

/** A payload on one line of text output: quoted text, or `0x` and hex digits. */
export function inlinePayload(bytes: Uint8Array): string {
  const text = asText(bytes);
  return text === undefined
    ? `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
    : JSON.stringify(text);
}

/** `hexdump -C` lines: offset, 16 bytes in hex, and the printable ASCII of them. */
export function hexLines(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, bytes.length));
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const byte = row[i];
      hex += byte === undefined ? '   ' : `${byte.toString(16).padStart(2, '0')} `;
      if (byte !== undefined)
        ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
    }
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines;
}
