import { describeDocExamples } from '@annal/test-utils';

// Every ```js block of the README runs as a user's module, and prints its "prints" block.
describeDocExamples(new URL('../..', import.meta.url), { atLeast: 6, printsBlocks: true });
