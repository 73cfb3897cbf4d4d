/**
 * The shared test kit. Source-only: vitest loads it as TypeScript; it is never built
 * or published.
 *
 * @module
 */
export { temporaryDirectory } from './temporary-directory.js';
export { seededRandom } from './seeded-random.js';
export { SOAK, TrialBudget, trialBudget } from './trial-budget.js';
export type { TrialBudgetOptions } from './trial-budget.js';
export { runNode, spawnNode } from './node-process.js';
export type { NodeProcess, NodeRunResult, SpawnNodeOptions } from './node-process.js';
export { describeDocExamples, docExamples, runDocExample } from './doc-examples.js';
export type { DocExample, DocExamplesOptions } from './doc-examples.js';
export { NatsServer, natsServerBinary } from './nats-server.js';
export type { NatsServerOptions } from './nats-server.js';
