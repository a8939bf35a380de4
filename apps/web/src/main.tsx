import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { connectQueryClient, createQueryClient } from './app/query.js';
import { ToastProvider } from './components/Toast.js';
import { setupI18n } from './i18n/index.js';
import { registerServiceWorker } from './pwa/register.js';
import './styles.css';

await setupI18n();
const queryClient = createQueryClient();
connectQueryClient(queryClient);
registerServiceWorker();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <App />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
