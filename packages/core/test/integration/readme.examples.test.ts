/**
 * The README's examples, run as a user would run them (tooling/test-utils/src/doc-examples.ts).
 */
import { describeDocExamples } from '@annal/test-utils';

describeDocExamples(new URL('../..', import.meta.url), {
  atLeast: 5,
  stdout: [
    '0 7\n1 7\n2 11\n3 3\n4 1\ntrue 5\n',
    'event 0\nevent 1\nfollowed event 3\n',
    'hello\nclosed\n',
    '3 true\ntrue\n',
    'FAST_HOURLY 262144 crc32c 2\ntrue 2 0\n',
  ],
});
