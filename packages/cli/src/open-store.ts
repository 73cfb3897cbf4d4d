/**
 * Opens what `findStore` found, read-only, through the adapter of its kind.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

import type { MessageSelection } from './archive-store.js';
import { openChannelStore } from './channel-store.js';
import type { OpenedStore } from './opened-store.js';
import { openQueueStore } from './queue-store.js';
import { findStore } from './store.js';
import { openWalStore } from './wal-store.js';

/** The store at `path`, opened for reading. */
export function openStore(path: string): OpenedStore {
  const store = findStore(path);
  switch (store.kind) {
    case 'queue':
      return openQueueStore(store);
    case 'wal':
      return openWalStore(store);
    case 'channel':
      return openChannelStore(store);
  }
}

/** Runs `use` on the store at `path`, closing it afterwards. */
export async function withStore<T>(
  path: string,
  use: (store: OpenedStore) => Promise<T>,
): Promise<T> {
  const store = openStore(path);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/**
 * Refuses `--stream` and `--direction` on a store that is not an archive: they would select
 * nothing there, and a user who typed them has the wrong path.
 */
export function archiveOnly(store: OpenedStore, selection: MessageSelection): void {
  const option =
    selection.stream !== undefined
      ? 'stream'
      : selection.direction !== undefined
        ? 'direction'
        : undefined;
  if (option === undefined) return;
  throw new InvalidArgumentError(
    `annal: --${option} is for archives (written by @annal/archiver); ${store.store.path} is a ${store.store.kind}`,
    { field: option, path: store.store.path },
  );
}
