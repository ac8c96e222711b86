import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { domMedia } from './state/media-dom';
import { EditorStoreContext } from './state/react';
import { createEditorStore } from './state/store';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
if (!window.maskroom) {
  root.textContent =
    'Maskroom must be opened from the app or from the URL its web host prints (with its token).';
} else {
  // The one store of this window, over the bridge the host installed (preload or the web bridge).
  const store = createEditorStore(window.maskroom, domMedia());
  createRoot(root).render(
    <StrictMode>
      <EditorStoreContext.Provider value={store}>
        <App />
      </EditorStoreContext.Provider>
    </StrictMode>,
  );
}
