// Repositories: the repository itself and a collaborator's permission level.
import type { Context, Handlers } from './context.js';
import { rolePermissions } from './shapes.js';
import type { Permission } from './state.js';

/** GitHub's `permission` is the legacy level; `role_name` is the fine-grained role. */
const LEGACY: Record<Permission, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export function repoHandlers(ctx: Context): Handlers {
  const { state, str } = ctx;
  const { repository, user } = ctx.shapes;
  return {
    'repos/get': () => ({ status: 200, body: repository() }),

    'repos/get-collaborator-permission-level': (call) => {
      const login = str(call, 'username');
      const role = state.permissions[login] ?? 'none';
      return {
        status: 200,
        body: {
          permission: LEGACY[role],
          role_name: role,
          user: { ...user(login), permissions: rolePermissions(role), role_name: role },
        },
      };
    },
  };
}
