/**
 * Checks of what callers pass to the public methods: bytes, callbacks and options objects. The
 * hot paths test inline (`instanceof Uint8Array` costs a map check) and call the `reject*`
 * functions here only to build the error, so the throw path stays out of their bodies.
 *
 * @module
 */
import { InvalidArgumentError, InvalidOptionError } from './errors.js';

/**
 * A short description of a value for an error message (type and, for primitives, the value).
 * @internal
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return `a string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `${typeof value} ${String(value as number)}`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === 'Object' ? 'a plain object' : `a ${tag}`;
}

/**
 * The error for bytes that are not a `Uint8Array` (a `Buffer` is one). Other views (DataView,
 * Int8Array, …) and bare ArrayBuffers are refused: their `length` is not their byte length, or
 * they have none, and copying them would store the wrong bytes or none.
 *
 * @param value - what was passed
 * @param field - the argument's name, as the method's signature spells it
 * @internal
 */
export function rejectBytes(value: unknown, field: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${field} must be a Uint8Array (or a Buffer): ${field}=${describeValue(value)}`,
    { field },
  );
}

/**
 * Throws unless `options` is undefined, null or an object whose own keys are all in `known`:
 * a misspelled option is an error, as in @annal/core and @annal/wal (which use zod; logbuf has
 * no dependencies, DESIGN §1).
 *
 * @param options - what the caller passed
 * @param known - the option names the method takes
 * @param where - the method, named in the message (e.g. `'MpscRing.attach'`)
 * @throws ERR_ANNAL_INVALID_OPTION naming the first unknown key, or `options` if not an object
 * @internal
 */
export function checkOptionKeys(options: unknown, known: readonly string[], where: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(
      `${where}: options must be an object: options=${describeValue(options)}`,
      { field: 'options' },
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const lower = key.toLowerCase();
    const suggestion = known.find((name) => name.toLowerCase() === lower);
    const hint =
      suggestion === undefined
        ? ` (known options: ${known.join(', ')})`
        : `; did you mean "${suggestion}"?`;
    throw new InvalidOptionError(`${where}: "${key}" is not an option${hint}`, { field: key });
  }
}
