/** The error type of the AWS fake and the shapes AWS answers most often. */

/** Secrets Manager's message for an unknown secret. */
export const NOT_FOUND = "Secrets Manager can't find the specified secret.";

/** An error the fake answers with: `{"__type": type, "message": message}`. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const notFound = (message = NOT_FOUND) => new AwsError('ResourceNotFoundException', message);
export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);

/** Mirrors the wording of AWS model-constraint failures. */
export function validation(member: string, value: unknown, constraint: string): AwsError {
  const shown = value === undefined ? 'null' : `'${String(value)}'`;
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
