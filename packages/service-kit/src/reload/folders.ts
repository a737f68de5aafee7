// Watches folders for edits with one inotify watch per directory (fs.watch, not recursive). A watch on
// a directory survives what replaces the files in it: an editor's atomic save (a new file renamed over
// the old), or a copy unpacked anew from a tar (compose's develop.watch sync). Node's own watch mode
// lost such replacements in a container after the second one.
import type { FSWatcher } from 'node:fs';
import { readdirSync, statSync, watch } from 'node:fs';
import path from 'node:path';

const isDirectory = (file: string) => {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Calls `onChange` with the path of each file created, written, renamed or removed under `folders`
 * (node_modules left out), folders created later included. A watched folder that is removed and made
 * again (a clean build) is watched again through its parent. Returns the function that stops watching.
 */
export function watchFolders(folders: readonly string[], onChange: (file: string) => void): () => void {
  const watchers = new Map<string, FSWatcher>();
  const forget = (dir: string) => {
    for (const [watched, watcher] of watchers) {
      if (watched === dir || watched.startsWith(`${dir}${path.sep}`)) {
        watcher.close();
        watchers.delete(watched);
      }
    }
  };
  const add = (dir: string) => {
    if (watchers.has(dir) || !isDirectory(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (name === null) return;
        const file = path.join(dir, name.toString());
        if (isDirectory(file)) {
          forget(file);
          add(file);
        }
        onChange(file);
      });
    } catch {
      return; // gone between the listing and the watch: its parent reports it
    }
    watcher.on('error', () => forget(dir));
    watchers.set(dir, watcher);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules') add(path.join(dir, entry.name));
    }
  };
  // The parents only for a watched folder made again: a top folder's watch dies with it.
  const parents = new Map<string, FSWatcher>();
  const resolved = folders.map((f) => path.resolve(f));
  for (const folder of resolved) {
    add(folder);
    const parent = path.dirname(folder);
    if (parents.has(parent)) continue;
    try {
      const watcher = watch(parent, (_event, name) => {
        const again = path.join(parent, name?.toString() ?? '');
        if (!resolved.includes(again) || !isDirectory(again)) return;
        forget(again);
        add(again);
        onChange(again);
      });
      watcher.on('error', () => watcher.close());
      parents.set(parent, watcher);
    } catch {
      // A folder without a readable parent is still watched itself.
    }
  }
  return () => {
    for (const watcher of [...watchers.values(), ...parents.values()]) watcher.close();
    watchers.clear();
    parents.clear();
  };
}
