/**
 * Expands suites into (scenario, implementation) cells and selects them by the words given on
 * the command line. Every word must match, case-insensitively, a suite tag or part of the suite,
 * scenario or implementation id. So `native` selects every native suite, `msync` the msync
 * scenarios, `mapped-write sab` one implementation of one suite, and `sync-latency c-syscall`
 * the C rows of that suite. A word with commas matches when any of its parts does:
 * `wal annal,lmdb` selects the annal and lmdb rows of the wal suites (CI uses this to leave out
 * rows whose peer needs a build step it does not run).
 *
 * @module
 */
import type { MatrixCell, Suite } from './suite.js';

/** Every cell of every suite, in declaration order. */
export function listCells(suites: readonly Suite[]): MatrixCell[] {
  return suites.flatMap((suite) =>
    suite.scenarios.flatMap((scenario) =>
      scenario.implementations.map((implementation) => ({ suite, scenario, implementation })),
    ),
  );
}

function matchesPart(cell: MatrixCell, part: string): boolean {
  const { suite, scenario, implementation } = cell;
  if (suite.tags.some((tag) => tag.toLowerCase() === part)) return true;
  return [suite.id, scenario.id, implementation.id].some((id) => id.toLowerCase().includes(part));
}

/** A word matches when any of its comma-separated parts does (empty parts are ignored). */
function matchesWord(cell: MatrixCell, word: string): boolean {
  return word.split(',').some((part) => part !== '' && matchesPart(cell, part));
}

/**
 * The cells every word matches (all cells when there are no words).
 *
 * @param suites - the registry
 * @param words - filter words as typed; compared in lower case
 */
export function selectCells(suites: readonly Suite[], words: readonly string[]): MatrixCell[] {
  const lowerWords = words.map((word) => word.toLowerCase());
  return listCells(suites).filter((cell) => lowerWords.every((word) => matchesWord(cell, word)));
}

/**
 * Finds one cell by its exact ids (what the CLI passes to a child).
 *
 * @returns the cell, or undefined when no suite declares it
 */
export function findCell(
  suites: readonly Suite[],
  suiteId: string,
  scenarioId: string,
  implementationId: string,
): MatrixCell | undefined {
  return listCells(suites).find(
    (cell) =>
      cell.suite.id === suiteId &&
      cell.scenario.id === scenarioId &&
      cell.implementation.id === implementationId,
  );
}
