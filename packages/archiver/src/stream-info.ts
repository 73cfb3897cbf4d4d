/**
 * What a stream declaration says about a stream, and its checks.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

/** The longest stream name, and the longest protocol or description. */
export const MAX_STREAM_NAME_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 4096;

/** Optional facts about a stream, kept in its STREAM record. */
export interface StreamInfo {
  /** What it carries: `'ws'`, `'fix'`, or a word of your own (at most 256 characters). Default `''`. */
  readonly protocol?: string;
  /** Free text (a URL, a FIX session's CompIDs); at most 4096 characters. Default `''`. */
  readonly description?: string;
}

/** The body of a STREAM record. */
export interface StreamDeclaration {
  readonly name: string;
  readonly protocol: string;
  readonly description: string;
}

/** Checks a name and info at `Archiver.stream` and returns the declaration to record. */
export function checkStreamInfo(name: unknown, info: unknown): StreamDeclaration {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_STREAM_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `Archiver.stream: name must be a string of 1 to ${MAX_STREAM_NAME_LENGTH} characters, got ${typeof name === 'string' ? `${name.length} characters` : typeof name}`,
      { field: 'name' },
    );
  }
  if (info === null || typeof info !== 'object') {
    throw new InvalidArgumentError('Archiver.stream: info must be an object', { field: 'info' });
  }
  const { protocol = '', description = '', ...rest } = info as StreamInfo;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw new InvalidArgumentError(
      `Archiver.stream: "${unknown}" is not a stream info field (known: protocol, description)`,
      { field: `info.${unknown}` },
    );
  }
  checkText(protocol, 'protocol', MAX_STREAM_NAME_LENGTH);
  checkText(description, 'description', MAX_DESCRIPTION_LENGTH);
  return { name, protocol, description };
}

function checkText(value: unknown, field: string, max: number): void {
  if (typeof value !== 'string' || value.length > max) {
    throw new InvalidArgumentError(
      `Archiver.stream: info.${field} must be a string of at most ${max} characters`,
      { field: `info.${field}` },
    );
  }
}
