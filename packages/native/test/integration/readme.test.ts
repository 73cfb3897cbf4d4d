/**
 * The README's examples, run as a user would run them (tooling/test-utils/src/doc-examples.ts).
 */
import { describeDocExamples } from '@annal/test-utils';

describeDocExamples(new URL('../..', import.meta.url), { atLeast: 5 });
