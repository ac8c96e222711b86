/** The store in React: main.tsx provides the one store; components read it with useEditor(selector). */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { EditorState } from './model';
import type { EditorStore } from './store';

export const EditorStoreContext = createContext<EditorStore | null>(null);

/** The editor store the app was given. */
export function useStore(): EditorStore {
  const store = useContext(EditorStoreContext);
  if (!store) throw new Error('The editor store is missing: render the app inside EditorStoreContext.');
  return store;
}

/** A part of the editor state; the component renders again when that part changes. */
export function useEditor<T>(selector: (s: EditorState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
