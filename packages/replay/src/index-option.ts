/**
 * The `from` and `to` options of the adapters: record indexes, checked the same way everywhere.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

/**
 * @param where - the adapter, for the message (`fromQueue`)
 * @throws ERR_ANNAL_INVALID_ARGUMENT naming `field` unless `value` is undefined or an integer ≥ 0
 */
export function checkIndexOption(where: string, value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new InvalidArgumentError(
      `${where}: ${field} must be a record index (an integer from 0): ${String(value)}`,
      { field },
    );
  }
}
