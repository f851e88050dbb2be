/** Key Vault's error answers for the Azure Key Vault fake, and the checks every operation shares. */

export const NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** An HTTP error answered with Key Vault's `{"error":{code,message,innererror?}}` body. */
export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.innerCode) error.innererror = { code: this.innerCode };
    return { error };
  }
}

export const badParameter = (message: string) => new VaultError(400, 'BadParameter', message);

export const secretNotFound = (name: string) =>
  new VaultError(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`,
  );

export const deletedNotFound = (name: string) =>
  new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function checkName(name: string): string {
  if (!NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  return name;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const methodNotAllowed = () =>
  new VaultError(405, 'MethodNotAllowed', 'The requested method is not allowed.');
