import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A hand-off ring was full (its consumer is behind) and the caller chose to fail rather than drop or wait; nothing was recorded. Code: `ERR_ANNAL_BACK_PRESSURED`. */
export class BackPressuredError extends AnnalError {
  static override readonly CODE = ErrorCode.BACK_PRESSURED;
  declare readonly code: typeof ErrorCode.BACK_PRESSURED;
}
