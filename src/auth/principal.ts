import type { Role } from './roles.js';

/** The authenticated caller of a request. */
export interface Principal {
  id: string;
  name: string;
  role: Role;
}
