import type { Keyring } from '../../crypto/keyring.js';
import type { ComponentRow } from '../../database/tables/components-table.js';
import type { ComponentType } from '../../flavors/component-types.js';
import { parseSecretReference } from '../../flavors/secret-reference.js';
import type { FieldReference } from '../../flavors/validate-configuration.js';

export const MASK = '********';

/** A stack component with its full configuration (sensitive values decrypted). */
export interface Component {
  id: string;
  type: ComponentType;
  name: string;
  flavor: string;
  configuration: Record<string, unknown>;
  /** Fields whose plain values are stored encrypted and shown masked. */
  sealedFields: string[];
  /** The principal that last registered or updated it; USER-scoped references resolve only for it. */
  ownerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function componentAad(id: string): string {
  return `component:${id}`;
}

/** Builds a component from its row, opening the sealed sensitive values. */
export function componentFromRow(row: ComponentRow, keyring: Keyring): Component {
  const sealed =
    row.sensitive_ciphertext && row.sensitive_key_id
      ? (JSON.parse(
          keyring.open(
            { keyId: row.sensitive_key_id, ciphertext: row.sensitive_ciphertext },
            componentAad(row.id),
          ),
        ) as Record<string, unknown>)
      : {};
  return {
    id: row.id,
    type: row.type as ComponentType,
    name: row.name,
    flavor: row.flavor,
    configuration: { ...row.configuration, ...sealed },
    sealedFields: Object.keys(sealed),
    ownerId: row.owner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The configuration as shown to callers: references as text, sensitive plain values masked. */
export function maskedConfiguration(component: Component): Record<string, unknown> {
  const out = { ...component.configuration };
  for (const field of component.sealedFields) out[field] = MASK;
  return out;
}

/** The `{{name.key}}` references of a component's configuration. */
export function componentReferences(component: Component): FieldReference[] {
  const refs: FieldReference[] = [];
  for (const [field, value] of Object.entries(component.configuration)) {
    const ref = parseSecretReference(value);
    if (ref) refs.push({ field, ...ref });
  }
  return refs;
}
