/**
 * What the NATS client's errors mean to a bridge: which a re-synchronisation cures (a lost
 * connection, a timeout, a broken chain of expectations) and which stop it, as coded errors.
 *
 * @module
 */
import {
  AnnalError,
  BridgeAuthError,
  BridgeConnectError,
  BridgeNoStreamError,
  BridgeRejectedError,
} from '@annal/native';
import { JetStreamApiCodes, JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';

/** JetStream's code for a message whose `Nats-Expected-Last-Msg-Id` is not the stream's last. */
export const WRONG_LAST_MSG_ID = 10070;

/** True for an error the bridge cures by reconnecting (the client does) and re-synchronising. */
export function isTransient(error: unknown): boolean {
  if (error instanceof JetStreamApiError) {
    return (
      error.code === WRONG_LAST_MSG_ID ||
      error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
    );
  }
  return (
    error instanceof errors.TimeoutError ||
    error instanceof errors.ConnectionError ||
    error instanceof errors.RequestError ||
    error instanceof errors.NoRespondersError ||
    error instanceof errors.DrainingConnectionError ||
    // "jetstream is not enabled" (JetStreamNotEnabled, not a JetStreamError): no responder for
    // the subject yet, as while a restarted server recovers its streams. A stream that no
    // longer stores the subject says the same: the re-synchronisation checks the stream.
    (error instanceof Error && error.name === 'JetStreamNotEnabled')
  );
}

/**
 * True when a consumer is gone: not found, or deleted (with its stream, maybe) while the bridge
 * consumed. The consuming bridge recreates it, or finds the stream gone and stops.
 */
export function isConsumerGone(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === JetStreamApiCodes.ConsumerNotFound;
  // The client's status error (409 "consumer deleted" or "stream deleted") is not exported.
  return (
    error instanceof JetStreamError &&
    (error as { code?: unknown }).code === 409 &&
    /deleted/i.test(error.message)
  );
}

/** The coded error for one that stops a bridge (`where`: the server and stream, for the message). */
export function toBridgeError(error: unknown, where: string): AnnalError {
  // The local log's own errors (a full disk, damage) keep their codes.
  if (AnnalError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (
    error instanceof errors.AuthorizationError ||
    error instanceof errors.PermissionViolationError ||
    error instanceof errors.UserAuthenticationExpiredError
  ) {
    return new BridgeAuthError(`${where}: the server refused: ${message}`, { cause: error });
  }
  if (error instanceof JetStreamApiError) {
    if (error.code === JetStreamApiCodes.StreamNotFound) {
      return new BridgeNoStreamError(`${where}: the stream does not exist (${message})`, {
        cause: error,
      });
    }
    return new BridgeRejectedError(
      `${where}: JetStream rejected it (code ${error.code}: ${message})`,
      {
        cause: error,
      },
    );
  }
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.ClosedConnectionError ||
    error instanceof errors.TimeoutError
  ) {
    return new BridgeConnectError(`${where}: cannot reach the server: ${message}`, {
      cause: error,
    });
  }
  return new BridgeRejectedError(`${where}: ${message}`, { cause: error });
}
