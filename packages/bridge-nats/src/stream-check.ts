/**
 * What a bridge checks of its stream before it starts, and reads of it at every
 * (re-)synchronisation: that the stream exists and stores the subject, and the last message
 * shipped on the subject (whose index says where shipping resumes, however long ago it was).
 *
 * @module
 */
import { BridgeConflictError, BridgeNoStreamError, BridgeSubjectError } from '@annal/native';
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';

import { MSG_ID_HEADER, parseMessageId } from './headers.js';
import { isTransient, toBridgeError } from './nats-errors.js';
import { subjectMatches } from './subjects.js';

/** The last message shipped on the subject: the record's index and the stream sequence. */
export interface LastShipped {
  readonly index: number;
  readonly seq: number;
}

/**
 * Rejects with ERR_ANNAL_BRIDGE_NO_STREAM or, when `subject` is given, ERR_ANNAL_BRIDGE_SUBJECT;
 * resolves to the stream's subject filters.
 */
export async function checkStream(
  jsm: JetStreamManager,
  stream: string,
  subject: string | undefined,
): Promise<readonly string[]> {
  let subjects: string[];
  try {
    const info = await jsm.streams.info(stream);
    subjects = info.config.subjects ?? [];
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
      throw new BridgeNoStreamError(
        `stream ${JSON.stringify(stream)} does not exist on the server: create it (nats stream add) with a subject filter covering the bridge's subject`,
        { cause: error, field: 'stream' },
      );
    }
    // A lost connection or a timeout is the caller's to retry (or to code, at open).
    if (isTransient(error)) throw error;
    throw toBridgeError(error, `stream ${JSON.stringify(stream)}`);
  }
  if (subject !== undefined && !subjects.some((filter) => subjectMatches(filter, subject))) {
    throw notStored(stream, subject, subjects);
  }
  return subjects;
}

/** ERR_ANNAL_BRIDGE_SUBJECT: `subject` (a consumer's filter may hold wildcards) is not the stream's. */
export function notStored(
  stream: string,
  subject: string,
  subjects: readonly string[],
): BridgeSubjectError {
  return new BridgeSubjectError(
    `subject ${JSON.stringify(subject)} is not stored by stream ${JSON.stringify(stream)}, whose subjects are ${JSON.stringify(subjects)}`,
    { field: 'subject' },
  );
}

/**
 * The last message on `subject`, which must be one `origin` shipped (else
 * ERR_ANNAL_BRIDGE_CONFLICT: one bridge per subject); undefined when the subject has none.
 */
export async function lastShipped(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  origin: string,
): Promise<LastShipped | undefined> {
  const message = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (message === null) return undefined;
  const id = message.header?.get(MSG_ID_HEADER);
  const identity = parseMessageId(id);
  if (identity?.origin !== origin) {
    throw new BridgeConflictError(
      `stream ${JSON.stringify(stream)} subject ${JSON.stringify(subject)}: its last message (sequence ${message.seq}) was not shipped by origin ${JSON.stringify(origin)} (${MSG_ID_HEADER} ${JSON.stringify(id ?? '')}): give each bridge its own subject`,
      { field: 'subject' },
    );
  }
  return { index: identity.index, seq: message.seq };
}
