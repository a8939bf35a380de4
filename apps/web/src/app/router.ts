import { useEffect, useState } from 'react';

/**
 * A small path router: the app has a dozen screens and needs nothing more than the current
 * path, navigation that updates history, and the URL fragment (where bootstrap and invite
 * codes travel, never sent to the server).
 */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** The fragment without '#', read once: codes in it are removed from the address bar after reading. */
export function takeFragment(): string {
  const code = location.hash.slice(1);
  if (code) history.replaceState(null, '', location.pathname);
  return code;
}
