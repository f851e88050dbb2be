import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { AuditService } from '../audit/audit-service.js';
import type { ComponentsService } from '../stacks/components-service.js';

export interface KeyRotationServiceDeps {
  audit: Pick<AuditService, 'record'>;
  authorize: Authorize;
  /** Re-encrypts the SQL store's entries under the active key (absent for remote stores). */
  resealStore?: () => Promise<number>;
  components: Pick<ComponentsService, 'resealComponents'>;
  activeKeyId: string;
}

/** `rotateEncryptionKey`: re-encrypts every sealed row under the active key, in batches. */
export function createKeyRotationService(deps: KeyRotationServiceDeps) {
  async function rotate(principal: Principal): Promise<number> {
    const target = { kind: 'keyring', activeKeyId: deps.activeKeyId };
    await deps.authorize(principal, 'key.rotate', { action: 'key.rotate', target });
    const secrets = (await deps.resealStore?.()) ?? 0;
    const components = await deps.components.resealComponents();
    await deps.audit.record({
      actor: principal.name,
      action: 'key.rotate',
      target: { ...target, secretsResealed: secrets, componentsResealed: components },
    });
    return secrets + components;
  }
  return { rotate };
}

export type KeyRotationService = ReturnType<typeof createKeyRotationService>;
