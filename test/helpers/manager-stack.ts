import type { GraphQLResponse, TestGateway } from './test-gateway.js';

const REGISTER_COMPONENT = `mutation($name: String!, $flavor: String!, $configuration: JSON!) {
  registerComponent(type: SECRETS_MANAGER, name: $name, flavor: $flavor, configuration: $configuration) { component { id } }
}`;
const REGISTER_SECRET = `mutation($name: String!, $values: JSON!, $stack: String) {
  registerManagedSecret(name: $name, values: $values, stack: $stack) { name keys }
}`;
const GET_SECRET = `query($name: String!, $stack: String) { managedSecret(name: $name, stack: $stack) { values } }`;

/**
 * Registers a secrets manager component named `name` with this configuration; when that works,
 * also a stack of the same name holding only it. Resolves to the component registration's answer.
 */
export async function registerManagerStack(
  t: TestGateway,
  name: string,
  flavor: string,
  configuration: Record<string, unknown>,
): Promise<GraphQLResponse> {
  const registered = await t.gql(REGISTER_COMPONENT, { name, flavor, configuration });
  if (!registered.errors) {
    await t.ok('mutation($name: String!) { registerStack(name: $name, components: [$name]) { id } }', {
      name,
    });
  }
  return registered;
}

/** Writes a secret through the stack's secrets manager: the GraphQL answer (errors included). */
export function writeManagedSecret(
  t: TestGateway,
  stack: string,
  name: string,
  values: Record<string, string>,
): Promise<GraphQLResponse> {
  return t.gql(REGISTER_SECRET, { name, values, stack });
}

/** Reads a secret's values through the stack's secrets manager; fails the test on any error. */
export async function readManagedSecret(t: TestGateway, stack: string, name: string) {
  return (await t.ok(GET_SECRET, { name, stack })).managedSecret?.values as
    | Record<string, string>
    | undefined;
}
