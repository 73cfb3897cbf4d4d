/**
 * NATS subjects: which are valid to publish on, and whether a stream's subject filters (with
 * `*` and `>` wildcards) cover one.
 *
 * @module
 */

/** A subject a message can be published on: dot-separated tokens, no wildcard, no space. */
export function isPublishSubject(subject: string): boolean {
  if (subject.length === 0 || subject.length > 1024) return false;
  return subject.split('.').every((token) => /^[^\s*>.]+$/u.test(token));
}

/** True when the filter (which may hold `*` for one token and a final `>` for the rest) matches `subject`. */
export function subjectMatches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const tokens = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    const token = wanted[i];
    if (token === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (token !== '*' && token !== tokens[i]) return false;
  }
  return wanted.length === tokens.length;
}

/**
 * True when some subject matches both patterns (each may hold `*` for one token and a final `>`
 * for one or more): a consumer filtering on `filter` can receive a message of a stream storing
 * `stored`. Patterns that share no subject certainly make JetStream refuse the consumer.
 */
export function subjectsOverlap(stored: string, filter: string): boolean {
  const a = stored.split('.');
  const b = filter.split('.');
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === '>' || y === '>') return true;
    if (x !== '*' && y !== '*' && x !== y) return false;
  }
  return a.length === b.length;
}
