/** Security: nothing read in one session is visible after lock, a panic wipe or a passkey sign-out. */
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';

const vault = vi.hoisted(() => {
  const listeners = new Set<() => void>();
  return {
    key: null as Uint8Array | null,
    listeners,
    change(key: Uint8Array | null) {
      this.key = key;
      for (const l of [...listeners]) l();
    },
  };
});

vi.mock('../src/lib/vault.js', () => ({
  onVaultChange: (l: () => void) => {
    vault.listeners.add(l);
    return () => vault.listeners.delete(l);
  },
  unlockedSecretKey: () => vault.key,
  lockVault: () => vault.change(null),
}));

const { connectQueryClient } = await import('../src/app/query.js');

describe('the query cache follows the session', () => {
  it('is emptied when the key locks', () => {
    vault.change(new Uint8Array(32).fill(1));
    const client = new QueryClient();
    const off = connectQueryClient(client);
    client.setQueryData(['users', 'list', {}], [{ displayName: 'Ana' }]);
    client.setQueryData(['audit', 'limit=50'], { entries: [] });
    vault.change(new Uint8Array(32).fill(2));
    expect(client.getQueryCache().getAll()).toHaveLength(2);
    vault.change(null);
    expect(client.getQueryCache().getAll()).toHaveLength(0);
    off();
  });

  it('stops following once disconnected', () => {
    const client = new QueryClient();
    const off = connectQueryClient(client);
    off();
    client.setQueryData(['roles'], []);
    vault.change(null);
    expect(client.getQueryCache().getAll()).toHaveLength(1);
  });
});
